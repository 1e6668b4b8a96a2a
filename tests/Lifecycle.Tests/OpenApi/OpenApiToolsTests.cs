using System.Text.RegularExpressions;

namespace Lifecycle.Tests.OpenApi;

/// <summary>
/// A team generating a client from <c>/openapi/v1.json</c> gets a strict one: the document passes Redocly's
/// recommended rules with no error, and the types openapi-typescript makes of it compile a client under
/// <c>tsc --strict</c>.
/// </summary>
public sealed partial class OpenApiToolsTests
{
    private ControlPlaneHarness _harness = null!;
    private string _document = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _harness = await ControlPlaneHarness.StartAsync();
        using var anonymous = _harness.ClientWithKey(null);
        _document = await anonymous.GetStringAsync("/openapi/v1.json");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task Redocly_finds_no_error_in_the_document()
    {
        using var tools = OpenApiTools.Open();
        var document = Path.Combine(tools.Work, "openapi.json");
        await File.WriteAllTextAsync(document, _document);

        var (exitCode, output) = await tools.RunAsync("redocly", "lint", "--config", Path.Combine(tools.Folder, "redocly.yaml"), "--format", "stylish", document);

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(ErrorLines().Matches(output), Is.Empty, output);
    }

    [Test]
    public async Task A_client_made_from_the_document_compiles_strictly()
    {
        using var tools = OpenApiTools.Open();
        var document = Path.Combine(tools.Work, "openapi.json");
        await File.WriteAllTextAsync(document, _document);
        File.Copy(Path.Combine(tools.Folder, "client-check.ts"), Path.Combine(tools.Work, "client-check.ts"));

        var generated = await tools.RunAsync("openapi-typescript", document, "--output", Path.Combine(tools.Work, "schema.d.ts"));
        Assert.That(generated.ExitCode, Is.Zero, generated.Output);
        var compiled = await tools.RunAsync("tsc", "--strict", "--noEmit", "--target", "es2022", "--module", "esnext",
            "--moduleResolution", "bundler", "--lib", "es2022,dom", "client-check.ts");

        Assert.That(compiled.ExitCode, Is.Zero, compiled.Output);
    }

    [GeneratedRegex(@"^\s*\d+:\d+\s+error\s", RegexOptions.Multiline)]
    private static partial Regex ErrorLines();
}
