namespace Lifecycle.Contract.Quotas;

/// <summary>A team's limits; null is no limit.</summary>
public sealed record QuotaLimits(int? MaxActiveSandboxes, int? MaxVcpus, int? MaxMemoryMb, int? MaxPausedSandboxes)
{
    public static readonly QuotaLimits None = new(null, null, null, null);

    public int? Of(QuotaName name) => name switch
    {
        QuotaName.MaxActiveSandboxes => MaxActiveSandboxes,
        QuotaName.MaxVcpus => MaxVcpus,
        QuotaName.MaxMemoryMb => MaxMemoryMb,
        _ => MaxPausedSandboxes,
    };

    /// <summary>These limits with <paramref name="name"/> set to <paramref name="limit"/>.</summary>
    public QuotaLimits With(QuotaName name, int? limit) => name switch
    {
        QuotaName.MaxActiveSandboxes => this with { MaxActiveSandboxes = limit },
        QuotaName.MaxVcpus => this with { MaxVcpus = limit },
        QuotaName.MaxMemoryMb => this with { MaxMemoryMb = limit },
        _ => this with { MaxPausedSandboxes = limit },
    };
}

/// <summary>What a team uses now, counted the way <see cref="QuotaRules"/> says.</summary>
public sealed record QuotaUsage(long ActiveSandboxes, long Vcpus, long MemoryMb, long PausedSandboxes)
{
    public long Of(QuotaName name) => name switch
    {
        QuotaName.MaxActiveSandboxes => ActiveSandboxes,
        QuotaName.MaxVcpus => Vcpus,
        QuotaName.MaxMemoryMb => MemoryMb,
        _ => PausedSandboxes,
    };
}

/// <summary>What one request adds to a team's usage if it is accepted.</summary>
public sealed record QuotaDemand(int ActiveSandboxes, int Vcpus, int MemoryMb, int PausedSandboxes)
{
    /// <summary>A create or a resume: one more active sandbox of this size.</summary>
    public static QuotaDemand Active(int vcpus, int memoryMb) => new(1, vcpus, memoryMb, 0);

    /// <summary>A team's pause: one more paused sandbox.</summary>
    public static readonly QuotaDemand Paused = new(0, 0, 0, 1);

    public long Of(QuotaName name) => name switch
    {
        QuotaName.MaxActiveSandboxes => ActiveSandboxes,
        QuotaName.MaxVcpus => Vcpus,
        QuotaName.MaxMemoryMb => MemoryMb,
        _ => PausedSandboxes,
    };
}

/// <summary>A request refused: it would take <see cref="Quota"/> past <see cref="Limit"/>, with <see cref="InUse"/> in use.</summary>
public sealed record QuotaBreach(QuotaName Quota, long Limit, long InUse);
