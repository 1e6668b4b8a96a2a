namespace Lifecycle.Testing.Deployments;

/// <summary>A replica in its own OS process (<see cref="ControlPlaneProcess"/>): killed with SIGKILL, or stopped with SIGTERM.</summary>
public sealed class ProcessReplica : Replica
{
    internal ProcessReplica(string name, Uri url, ControlPlaneProcess process)
        : base(name, url)
    {
        Process = process;
    }

    public ControlPlaneProcess Process { get; }

    public bool Alive => !Process.Process.HasExited;

    /// <summary>SIGKILL: the replica dies with whatever it had in hand.</summary>
    public void Kill() => Process.Kill();

    /// <summary>Until it answers <c>/healthz</c> (its port is open; it may still be joining); fails at once, with its last lines, if it exits.</summary>
    public async Task WaitServingAsync(TimeSpan within)
    {
        using var probe = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            if (!Alive)
            {
                throw new InvalidOperationException(
                    $"{Name} exited ({Process.Process.ExitCode}) while starting:\n{string.Join('\n', Process.Lines.TakeLast(30))}");
            }
            try
            {
                return (await probe.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, within, $"{Name} serves");
    }

    public override Task StopAsync() => Process.StopAsync();

    /// <summary>Killed, not stopped: a test is over and its teardown should not wait on a shutdown (call <see cref="StopAsync"/> for one).</summary>
    public override ValueTask DisposeAsync()
    {
        Process.Dispose();
        return ValueTask.CompletedTask;
    }
}
