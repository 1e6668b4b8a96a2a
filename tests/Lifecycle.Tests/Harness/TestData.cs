using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Partitioning;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.ControlPlane.Placement;
using Lifecycle.ControlPlane.Teams;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests;

/// <summary>Rows for store-level tests, made through the stores themselves.</summary>
public static class TestData
{
    /// <summary>A team with the given key and one online host; returns their ids.</summary>
    public static async Task<(Guid TeamId, Guid HostId)> TeamAndHostAsync(TestDatabase database, string name, string apiKey)
    {
        var teamId = await new TeamStore(database.DataSource).EnsureTeamWithKeyAsync(name, apiKey, CancellationToken.None);
        return (teamId, await OnlineHostAsync(database, $"{name}-host", "http://127.0.0.1:1"));
    }

    /// <summary>A host registered and heartbeated once, so online (a registered host is given no sandbox); returns its id.</summary>
    public static async Task<Guid> OnlineHostAsync(TestDatabase database, string name, string grpcAddress)
    {
        var hosts = new HostStore(database.DataSource);
        var host = await hosts.RegisterAsync(name, grpcAddress, $"{name}-token", null, CancellationToken.None)
            ?? throw new InvalidOperationException($"host {name} is already registered");
        await hosts.HeartbeatAsync(host.Id, TimeSpan.FromMinutes(1), null, CancellationToken.None);
        return host.Id;
    }

    /// <summary>
    /// A new <c>starting</c> sandbox of the team on its least-loaded online host, as the API creates it (its event
    /// recorded in the outbox for a deployment of <paramref name="partitions"/> partitions).
    /// </summary>
    public static async Task<SandboxRow> CreateStartingAsync(SandboxStore store, Guid teamId, int partitions = 1)
    {
        using var placement = new HostPlacement(store, TimeProvider.System, Options.Create(new PlacementOptions()), Options.Create(new CapacityOptions()));
        var hostId = await placement.ChooseAsync(new Resources(1, 512), [], CancellationToken.None) is PlacementChoice.OnHost on ? on.HostId : Guid.Empty;
        var id = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        var created = StateEvent.CreateRequested(id, teamId, now);
        var row = await store.CreateOnHostAsync(hostId,
            new NewSandbox(id, teamId, "base", 1, 512, 300, Lifecycle.Contract.Timeouts.OnTimeout.Pause, null, "{}"),
            new OutboxRecord(created, StableHash.SlotOf(id, partitions)), now.AddMinutes(5), CancellationToken.None);
        return row ?? throw new InvalidOperationException("no online host to create a sandbox on");
    }

    /// <summary>Whether a history row's (type, from, to), as stored, is a row of the transition table.</summary>
    public static bool IsTableRow(string type, string? fromStatus, string toStatus) =>
        TransitionTable.Allows(type, fromStatus is null ? null : SandboxStatuses.Parse(fromStatus), SandboxStatuses.Parse(toStatus));

    /// <summary>Whether a history row's (type, from, to) is a row of the transition table.</summary>
    public static bool IsTableRow(TransitionRow row) => TransitionTable.Allows(row.Type, row.FromStatus, row.ToStatus);
}
