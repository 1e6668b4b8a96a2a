namespace Lifecycle.Contract.Sandboxes;

/// <summary>Who may emit an event type, and so which path applies it.</summary>
public enum Emitter
{
    /// <summary>Applied by the API itself before it answers; the stream copy is for history.</summary>
    Api,

    /// <summary>The outcome of a host agent RPC, applied by the consumer group.</summary>
    BackgroundOperation,

    /// <summary>A host agent's callback, or the HostMonitor acting on what a host shows.</summary>
    HostOrHostMonitor,

    /// <summary>The HostMonitor alone.</summary>
    HostMonitor,
}
