using System.Text.RegularExpressions;
using Lifecycle.Cli;

namespace Lifecycle.Tests.Cli;

/// <summary>What a new user meets first: ids that can be copied from an 80-column terminal, and a mistyped id explained.</summary>
public sealed partial class LifecyclectlReadabilityTests
{
    private SeededCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task SeedAsync() => _cluster = await SeededCluster.CreateAsync();

    [OneTimeTearDown]
    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [TestCase("hosts")]
    [TestCase("stuck")]
    [TestCase("pending")]
    public async Task At_80_columns_ids_are_never_broken_and_each_row_keeps_its_id(string command)
    {
        var (_, wide, _) = await _cluster.RunAsync(command);
        var (_, narrow, _) = await _cluster.RunAtWidthAsync(80, command);

        var rowIds = wide.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split(' ')[0]).ToList();
        Assert.That(rowIds, Is.Not.Empty, wide);
        var narrowLines = narrow.Split('\n');
        Assert.That(rowIds, Has.All.Matches<string>(id => narrowLines.Any(line => line.StartsWith(id + " ", StringComparison.Ordinal))), narrow);
        Assert.That(UuidStart().Matches(narrow).Select(m => m.Value), Has.All.Matches<string>(value => Guid.TryParse(value, out _)), narrow);
        Assert.That(narrowLines, Has.All.Matches<string>(line => line.TrimEnd().Length <= 80), narrow);
    }

    [TestCase("sandbox", "sandbox")]
    [TestCase("host", "host")]
    public async Task A_mistyped_id_is_answered_with_what_an_id_looks_like(string command, string kind)
    {
        var (exit, _, error) = await _cluster.RunAsync(command, "nope");

        Assert.That(exit, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain($"'nope' is not a {kind} id: a {kind} id is a UUID such as 01a22d7d-620d-7360-8019-5333e016912d"));
        Assert.That(error, Does.Not.Contain("System.Guid"));
    }

    /// <summary>Anything that begins like a UUID, to the end of its run of hex digits and dashes.</summary>
    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f-]*")]
    private static partial Regex UuidStart();
}
