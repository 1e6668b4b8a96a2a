namespace Lifecycle.ControlPlane.Drains;

/// <summary>What a drain does next with one sandbox of its host.</summary>
public enum DrainStep
{
    /// <summary>The sandbox is where the drain's mode leaves it.</summary>
    Done,

    /// <summary>Nothing yet: an operation is under way, its host is silent, or the mode waits for it to end.</summary>
    Wait,

    Pause,

    Destroy,
}
