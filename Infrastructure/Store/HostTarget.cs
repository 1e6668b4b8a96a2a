namespace Lifecycle.Infrastructure.Store;

/// <summary>What it takes to call a host: its id, name (for logs) and gRPC address.</summary>
public sealed record HostTarget(Guid Id, string Name, string GrpcAddress);
