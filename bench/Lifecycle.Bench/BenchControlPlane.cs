namespace Lifecycle.Bench;

/// <summary>How the benchmarks start a control plane: the Release build, warnings only, its lines echoed under its name.</summary>
public static class BenchControlPlane
{
    /// <param name="settings">Configuration as <c>Key=Value</c>, e.g. <c>Lifecycle:Consumer:BatchSize=512</c>.</param>
    public static ControlPlaneProcess Start(LocalServers servers, string postgres, string prefix, string name, params string[] settings) =>
        ControlPlaneProcess.Start(postgres, servers.Redis, prefix,
            ["Logging:LogLevel:Default=Warning", $"Lifecycle:Replica:Name={name}", .. settings],
            echo: line => Console.Error.WriteLine($"[{name}] {line}"));
}
