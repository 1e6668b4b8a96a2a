namespace Lifecycle.Bench.Scale;

/// <summary>Sizes of <c>make bench-scale</c>; the defaults are the ones results are quoted for.</summary>
public sealed record ScaleSettings(
    int Repeats = 3,
    int Partitions = 12,
    int DrainSandboxes = 25_000,
    int AcceptClients = 64,
    int AcceptSeconds = 10,
    int AcceptHosts = 4,
    int PassHosts = 500,
    int PassPerHost = 200)
{
    /// <summary>Replica counts measured; 12 partitions divide evenly among each.</summary>
    public int[] ReplicaCounts { get; init; } = [1, 2, 3];

    public static ScaleSettings Quick => new(Repeats: 1, DrainSandboxes: 5_000, AcceptSeconds: 3, PassHosts: 50);
}
