using Lifecycle.Client;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Client;

/// <summary>The five lines of Client/README.md, as written there, run against a control plane.</summary>
public sealed class ClientReadmeTests
{
    private const string Address = "new Uri(\"http://localhost:8080\"), \"dev-key\"";

    [Test]
    public async Task The_readme_program_is_the_one_run_here()
    {
        var readme = await File.ReadAllLinesAsync(Path.Combine(LocalServers.RepositoryRoot(), "Client", "README.md"));
        var block = readme.SkipWhile(line => line != "```csharp").Skip(1).TakeWhile(line => line != "```");
        var statements = block.Where(line => line.Length > 0 && !line.StartsWith("#:", StringComparison.Ordinal) && !line.StartsWith("using Lifecycle", StringComparison.Ordinal));
        var source = await File.ReadAllLinesAsync(Path.Combine(LocalServers.RepositoryRoot(), "tests", "Lifecycle.Tests", "Client", "ClientReadmeTests.cs"));
        var here = source.SkipWhile(line => !line.StartsWith("    private static async Task ReadmeProgramAsync(", StringComparison.Ordinal)).Skip(2)
            .TakeWhile(line => line != "    }").Select(line => line.Trim());

        Assert.That(statements.Select(line => line.Replace(Address, "address, key", StringComparison.Ordinal)), Is.EqualTo(here));
    }

    [Test]
    public async Task The_readme_program_runs()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        using var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            await ReadmeProgramAsync(harness.BaseAddress, ControlPlaneHarness.ApiKey);
        }
        finally
        {
            Console.SetOut(console);
        }
        Assert.That(output.ToString(), Does.Match(@"^[0-9a-f-]{36} is Running on host [0-9a-f-]{36} until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ"));
    }

    private static async Task ReadmeProgramAsync(Uri address, string key)
    {
        using var lifecycle = new LifecycleClient(address, key);
        var sandbox = await lifecycle.CreateAsync(new CreateSandboxRequest { Metadata = new Dictionary<string, string> { ["owner"] = "me" } });
        sandbox = await lifecycle.WaitAsync(sandbox.Id, SandboxStatus.Running);
        Console.WriteLine($"{sandbox.Id} is {sandbox.Status} on host {sandbox.HostId} until {sandbox.ExpiresAt:u}");
        await lifecycle.DestroyAsync(sandbox.Id);
    }
}
