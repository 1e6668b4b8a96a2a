using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>A sandbox whose time to live was set or extended, and the database's time of that change (it orders the host's notices).</summary>
public sealed record TimeoutChange(SandboxRow Row, DateTime SetAt);
