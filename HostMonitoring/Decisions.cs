using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.HostMonitoring;

/// <summary>What one pass decided for one sandbox of a host.</summary>
public abstract record Decision
{
    /// <summary>Ends or fails a sandbox, or destroys a VM: held back by the safety brake when too many at once.</summary>
    public abstract bool Destructive { get; }

    /// <summary>Identifies the same proposal in the next pass, so that pass can confirm it.</summary>
    public abstract string Key { get; }
}

/// <summary>Publish one transition of the table for the sandbox, from the status and version it was read at.</summary>
public sealed record Transit(HostedSandbox Sandbox, string EventType, SandboxStatus To, string Reason) : Decision
{
    public override bool Destructive => To is SandboxStatus.Stopped or SandboxStatus.Error;

    public override string Key => $"{Sandbox.Id}:{EventType}:{To}:{Sandbox.Version}";
}

/// <summary>Call the operation's idempotent RPC again: its deadline passed and the host still shows the old state.</summary>
public sealed record Redrive(HostedSandbox Sandbox, SandboxOperation Operation) : Decision
{
    public override bool Destructive => false;

    public override string Key => $"{Sandbox.Id}:redrive:{Operation.Name}:{Sandbox.Version}";
}

/// <summary>
/// Call the operation's idempotent RPC to make the host match a settled row (pause a VM the row calls
/// paused, destroy one for an error row); the row itself does not change.
/// </summary>
public sealed record Enforce(HostedSandbox Sandbox, SandboxOperation Operation) : Decision
{
    public override bool Destructive => Operation == SandboxOperation.Destroy;

    public override string Key => $"{Sandbox.Id}:enforce:{Operation.Name}:{Sandbox.Version}";
}

/// <summary>Tell the host the row's deadline for a running sandbox: it holds another (<c>SetSandboxTimeout</c>).</summary>
public sealed record SyncDeadline(HostedSandbox Sandbox) : Decision
{
    public override bool Destructive => false;

    public override string Key => $"{Sandbox.Id}:deadline:{Sandbox.ExpiresAt:O}";
}

/// <summary>A VM alive on the host for a sandbox the database calls stopped, or does not know on this host.</summary>
public sealed record Orphan(string SandboxId) : Decision
{
    public override bool Destructive => true;

    public override string Key => $"{SandboxId}:orphan";
}
