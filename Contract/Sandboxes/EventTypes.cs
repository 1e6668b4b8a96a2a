namespace Lifecycle.Contract.Sandboxes;

/// <summary>The closed set of state event types; each is one row of <see cref="TransitionTable"/>.</summary>
public static class EventTypes
{
    public const string CreateRequested = "sandbox.create.requested";
    public const string CreateSucceeded = "sandbox.create.succeeded";
    public const string CreateFailed = "sandbox.create.failed";
    public const string CreateRefused = "sandbox.create.refused";
    public const string PauseRequested = "sandbox.pause.requested";
    public const string PauseSucceeded = "sandbox.pause.succeeded";
    public const string PauseFailed = "sandbox.pause.failed";
    public const string ResumeRequested = "sandbox.resume.requested";
    public const string ResumeSucceeded = "sandbox.resume.succeeded";
    public const string ResumeFailed = "sandbox.resume.failed";
    public const string DestroyRequested = "sandbox.destroy.requested";
    public const string DestroySucceeded = "sandbox.destroy.succeeded";
    public const string DestroyFailed = "sandbox.destroy.failed";
    public const string AutoPaused = "sandbox.auto_paused";
    public const string Exited = "sandbox.exited";
    public const string Lost = "sandbox.lost";
    public const string Found = "sandbox.found";
    public const string Vanished = "sandbox.vanished";
    public const string Settled = "sandbox.settled";
    public const string TimedOut = "sandbox.timed_out";
}
