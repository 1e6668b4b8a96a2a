namespace Lifecycle.Contract.Quotas;

/// <summary>A team limit; the wire name is the snake_case of the member (<c>max_active_sandboxes</c>).</summary>
public enum QuotaName
{
    /// <summary>Sandboxes that may hold a running VM at once (<see cref="QuotaRules.Active"/>).</summary>
    MaxActiveSandboxes,

    /// <summary>The vCPUs of those sandboxes, summed.</summary>
    MaxVcpus,

    /// <summary>Their memory, summed, in MiB.</summary>
    MaxMemoryMb,

    /// <summary>Sandboxes kept paused at once.</summary>
    MaxPausedSandboxes,
}

/// <summary>Wire names of <see cref="QuotaName"/>.</summary>
public static class QuotaNames
{
    public const string MaxActiveSandboxes = "max_active_sandboxes";
    public const string MaxVcpus = "max_vcpus";
    public const string MaxMemoryMb = "max_memory_mb";
    public const string MaxPausedSandboxes = "max_paused_sandboxes";

    public static readonly IReadOnlyList<string> All = [MaxActiveSandboxes, MaxVcpus, MaxMemoryMb, MaxPausedSandboxes];

    public static string ToWire(this QuotaName name) => All[(int)name];

    public static bool TryParse(string? wire, out QuotaName name)
    {
        var index = Array.IndexOf([.. All], wire);
        name = (QuotaName)Math.Max(index, 0);
        return index >= 0;
    }
}
