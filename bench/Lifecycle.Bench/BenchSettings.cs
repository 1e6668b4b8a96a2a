namespace Lifecycle.Bench;

/// <summary>Sizes of a benchmark run; the defaults are the ones the results are quoted for.</summary>
public sealed record BenchSettings(int Sandboxes = 50_000, int Repeats = 3, int BatchSize = 512, int LatencySamples = 1_000);
