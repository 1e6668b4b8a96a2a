namespace Lifecycle.Tests.Operability;

/// <summary>
/// <c>make run 2>&amp;1 | tee run.log</c> stopped from its terminal: Ctrl-C (SIGINT), SIGTERM or a closed
/// terminal (SIGHUP) to the whole process group, tee included, so the script's stdout and stderr are
/// a pipe with no reader while it cleans up. Each must stop everything it started: every pid in the
/// state dir gone and every port it used free.
/// </summary>
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class RunDevSignalTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(40);

    private RunDevScript _run = null!;

    [TearDown]
    public async Task StopWhateverIsLeft()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine(string.Join('\n', _run.Output));
            var log = Path.Combine(_run.StateDir, "supervisor.log");
            TestContext.Out.WriteLine(File.Exists(log) ? await File.ReadAllTextAsync(log) : "no supervisor.log");
        }
        await _run.DisposeAsync();
    }

    [TestCase("INT")]
    [TestCase("TERM")]
    [TestCase("HUP")]
    public async Task A_signal_to_the_terminal_group_stops_everything_even_with_the_output_piped_to_tee(string signal)
    {
        if (RunDevScript.IgnoredHere(signal))
        {
            TestContext.Out.WriteLine($"SIG{signal} is ignored by this test run (inherited from how it was started: in the background of a " +
                "non-interactive shell, or under nohup); the script is started with every signal at its default, as a terminal's foreground job is.");
        }
        _run = RunDevScript.Start(new Dictionary<string, string>(), throughTee: true);
        await Eventually.TrueAsync(() => _run.Printed("Lifecycle is running"), StartDeadline, "the banner");
        var pids = _run.AllPids();
        Assert.That(pids.Keys, Is.SupersetOf(new[] { "control-plane.pid", "sim.pid", "redis.pid", "postgres.pid" }));
        Assert.That(_run.Ports.Where(RunDevScript.Listening), Is.Not.Empty, "the script's ports are bound before the signal");

        await _run.SignalGroupAsync(signal);

        await Eventually.TrueAsync(() => pids.Values.All(pid => !RunDevScript.IsRunning(pid)), StopDeadline,
            $"every process gone after SIG{signal}: {string.Join(", ", pids.Select(p => $"{p.Key}={p.Value}"))}");
        await Eventually.TrueAsync(() => !_run.Ports.Any(RunDevScript.Listening), StopDeadline,
            $"ports {string.Join(", ", _run.Ports)} free after SIG{signal}");
        // The cleanup's last line: the script has stopped its children and the servers, and ends.
        var log = Path.Combine(_run.StateDir, "supervisor.log");
        await Eventually.TrueAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("stopped everything", StringComparison.Ordinal), StopDeadline,
            $"the cleanup run to its end after SIG{signal}");
        Assert.That(_run.Script.WaitForExit(StopDeadline), Is.True, "the script's pipeline ended");
    }
}
