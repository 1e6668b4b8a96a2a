namespace Lifecycle.Cli;

/// <summary>What <c>lifecyclectl</c> exits with, so scripts and alerts can branch on it.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>It worked, and found trouble: a threshold exceeded, a sandbox stuck, a host unreachable.</summary>
    public const int Unhealthy = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>No such sandbox or dead letter.</summary>
    public const int NotFound = 3;

    /// <summary>Redis or Postgres did not answer.</summary>
    public const int Unreachable = 4;

    /// <summary><c>reconcile</c>: no replica running the HostMonitor heard the request.</summary>
    public const int NobodyListening = 5;
}
