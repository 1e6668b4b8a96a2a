namespace Lifecycle.Infrastructure.Store;

/// <summary>What a create request asks for, validated.</summary>
public sealed record NewSandbox(
    Guid Id,
    Guid TeamId,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    string MetadataJson,
    string? IdempotencyKey);
