namespace Lifecycle.Testing.Deployments;

/// <summary>One control plane of a <see cref="Deployment"/>, under its <c>Lifecycle:Replica:Name</c>.</summary>
public abstract class Replica : IAsyncDisposable
{
    protected Replica(string name, Uri url)
    {
        Name = name;
        Url = url;
    }

    public string Name { get; }

    /// <summary>Its HTTP address, as a load balancer would forward to it.</summary>
    public Uri Url { get; }

    /// <summary>A clean stop: the replica leaves and gives up its leases.</summary>
    public abstract Task StopAsync();

    public abstract ValueTask DisposeAsync();
}
