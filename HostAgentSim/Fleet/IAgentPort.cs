namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>The port a host agent listens on, as its restart sees it: closed while the agent is away, open again when it returns.</summary>
internal interface IAgentPort
{
    Task CloseAsync();

    Task OpenAsync();
}
