using Lifecycle.ControlPlane.Certificates;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>What became of an operator's registration of a host.</summary>
public abstract record HostRegistrationOutcome
{
    /// <summary>The new host, its token (shown this once) and its certificate (null for a plaintext host).</summary>
    public sealed record Registered(HostRow Host, string Token, HostCertificates.Grant? Grant) : HostRegistrationOutcome;

    /// <summary>A host of that name is in service.</summary>
    public sealed record NameInUse : HostRegistrationOutcome;
}
