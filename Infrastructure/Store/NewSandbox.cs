using Lifecycle.Contract.Timeouts;

namespace Lifecycle.Infrastructure.Store;

/// <summary>What a create request asks for, validated.</summary>
public sealed record NewSandbox(
    Guid Id,
    Guid TeamId,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    OnTimeout OnTimeout,
    int? MaxLifetimeSec,
    string MetadataJson);
