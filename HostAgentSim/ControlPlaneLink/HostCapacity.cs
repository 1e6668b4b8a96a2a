namespace Lifecycle.HostAgentSim.ControlPlaneLink;

/// <summary>What a host lets its sandboxes use, as it tells the control plane (<c>capacity</c>, snake_case on the wire).</summary>
public sealed record HostCapacity(int Vcpus, int MemoryMb);
