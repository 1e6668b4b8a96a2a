namespace Lifecycle.Testing.Deployments;

/// <summary>How a replica of a deployment runs.</summary>
public enum ReplicaKind
{
    /// <summary>In this process, on a free port: its services can be read, and it is stopped, never killed.</summary>
    InProcess,

    /// <summary>Its own OS process, as the product runs it: it can be killed (SIGKILL) and started again.</summary>
    Process,
}
