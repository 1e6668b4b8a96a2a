namespace Lifecycle.Contract.Sandboxes;

/// <summary>
/// A client-requested operation: the API applies its <c>requested</c> row, a background host
/// RPC then ends it with its <c>succeeded</c> or <c>failed</c> row. All statuses come from the table.
/// </summary>
public sealed class SandboxOperation
{
    public static readonly SandboxOperation Create = new("create", EventTypes.CreateRequested, EventTypes.CreateSucceeded, EventTypes.CreateFailed);
    public static readonly SandboxOperation Pause = new("pause", EventTypes.PauseRequested, EventTypes.PauseSucceeded, EventTypes.PauseFailed);
    public static readonly SandboxOperation Resume = new("resume", EventTypes.ResumeRequested, EventTypes.ResumeSucceeded, EventTypes.ResumeFailed);
    public static readonly SandboxOperation Destroy = new("destroy", EventTypes.DestroyRequested, EventTypes.DestroySucceeded, EventTypes.DestroyFailed);

    public static readonly IReadOnlyList<SandboxOperation> All = [Create, Pause, Resume, Destroy];

    private SandboxOperation(string name, string requested, string succeeded, string failed)
    {
        Name = name;
        Requested = TransitionTable.Get(requested);
        Succeeded = TransitionTable.Get(succeeded);
        Failed = TransitionTable.Get(failed);
    }

    public string Name { get; }

    public Transition Requested { get; }

    public Transition Succeeded { get; }

    public Transition Failed { get; }

    /// <summary>The status the sandbox holds while the operation is under way.</summary>
    public SandboxStatus InProgress => Requested.To.Single();

    public SandboxStatus OnSuccess => Succeeded.To.Single();

    public SandboxStatus OnFailure => Failed.To.Single();

    /// <summary>The operation whose transient status this is (starting: create), or null for a settled status.</summary>
    public static SandboxOperation? UnderWayIn(SandboxStatus status) => All.FirstOrDefault(o => o.InProgress == status);

    public override string ToString() => Name;
}
