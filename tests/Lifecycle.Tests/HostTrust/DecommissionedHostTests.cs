using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim.Trust;
using Lifecycle.Infrastructure;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Trust;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.HostTrust;

/// <summary>Decommission revokes a host's token and certificate at once, on this replica and, within seconds, on the others.</summary>
public sealed class DecommissionedHostTests
{
    [Test]
    public async Task A_decommissioned_hosts_token_and_certificate_are_refused_and_change_nothing()
    {
        var logs = new CapturedLogs();
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 1, heartbeatMs: 200, logs: logs);
        await using var other = await OtherReplica.StartAsync(harness);
        var host = harness.Fleet.Hosts[0];
        var hostId = host.HostId!.Value;
        var id = await harness.CreateRunningAsync();
        var mine = harness.Services.GetRequiredService<HostAgentClients>();
        var theirs = other.Clients;
        // Both replicas hold a live connection to the host before it goes.
        await mine.For(hostId, host.Address).ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
        await theirs.For(hostId, host.Address).ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);

        Assert.That((await admin.PostAsync($"/v1/hosts/{hostId}/decommission", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        using var agent = harness.ClientWithKey(host.Token);
        Assert.That((await agent.PostAsync($"/v1/hosts/{hostId}/heartbeat", null)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var report = await agent.PostAsJsonAsync("/v1/hosts/sandbox-events", new
        {
            event_id = Guid.CreateVersion7(),
            sandbox_id = id,
            type = "exited",
            reason = "crashed",
            at = DateTimeOffset.UtcNow,
            sequence = 1_000,
        });
        Assert.That(report.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "its reports");
        var (key, csr) = HostKeys.NewSigningRequest(host.Name);
        using (key)
        {
            var renewal = await agent.PostAsJsonAsync($"/v1/hosts/{hostId}/certificate", new { csr, proof = HostKeys.Proof(host.Certificate!, csr) });
            Assert.That(renewal.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "its renewal, however well signed");
            Assert.That(renewal.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }

        // A new connection is refused at the handshake; every call, whatever connection it would take, before it is sent.
        using (var fresh = mine.CreateChannel(hostId, host.Address))
        {
            Assert.ThrowsAsync<RpcException>(async () => await new Lifecycle.HostAgent.V1.HostAgent.HostAgentClient(fresh)
                .ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5)));
        }
        Assert.That(logs.Entries.Any(e => e.Contains($"Refused host {hostId}: its TLS certificate is revoked", StringComparison.Ordinal)), Is.True);
        var refused = Assert.ThrowsAsync<RpcException>(async () =>
            await mine.For(hostId, host.Address).ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5)));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.Unavailable), "unreachable, which decides nothing about its sandboxes");
        Assert.That(logs.Entries.Any(e => e.Contains($"Refused a call to host {hostId}: it is decommissioned", StringComparison.Ordinal)), Is.True);
        // Polled on the other replica's revoked set, not with calls: a call in flight on its old connection
        // when it learns of the revocation could reach the agent after any count taken here.
        await Eventually.TrueAsync(() => other.Revoked.ContainsHost(hostId), TimeSpan.FromSeconds(15),
            "the other replica reads the revocation from Postgres");
        var calls = host.CallsReceived;
        var theirsRefused = Assert.ThrowsAsync<RpcException>(async () =>
            await theirs.For(hostId, host.Address).ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5)));
        Assert.That(theirsRefused!.StatusCode, Is.EqualTo(StatusCode.Unavailable), "the other replica refuses the host too");
        Assert.ThrowsAsync<RpcException>(async () =>
            await mine.For(hostId, host.Address).DestroySandboxAsync(new SandboxRef { SandboxId = id }, deadline: DateTime.UtcNow.AddSeconds(5)));
        Assert.That(host.CallsReceived, Is.EqualTo(calls), "no call reaches the agent once refused");
        Assert.That(host.TryGet(id, out _), Is.True);
        await harness.WaitForConsumerIdleAsync();
        var row = await harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}");
        Assert.That(row.GetProperty("status").GetString(), Is.EqualTo("running"), "its report changed nothing (the HostMonitor is off here)");
    }
}

/// <summary>Another replica's host trust: its own clients and revoked set, refreshed from Postgres as a replica does.</summary>
internal sealed class OtherReplica : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly RevocationRefresher _refresher;

    private OtherReplica(ServiceProvider services)
    {
        _services = services;
        _refresher = services.GetRequiredService<RevocationRefresher>();
    }

    public HostAgentClients Clients => _services.GetRequiredService<HostAgentClients>();

    public RevokedCertificates Revoked => _services.GetRequiredService<Lifecycle.Infrastructure.Trust.HostTrust>().Revoked;

    public static async Task<OtherReplica> StartAsync(ControlPlaneHarness harness)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = harness.Database.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = TestServers.Redis,
            ["Lifecycle:Streams:KeyPrefix"] = harness.KeyPrefix,
        }).AddInMemoryCollection(TestCertificateAuthority.Shared.Settings).Build();
        var services = new ServiceCollection().AddLogging().AddLifecycleInfrastructure(configuration)
            .AddSingleton<HostCertificateStore>().AddSingleton<HostCertificates>().AddSingleton<RevocationRefresher>().BuildServiceProvider();
        var replica = new OtherReplica(services);
        await replica._refresher.StartAsync(CancellationToken.None);
        return replica;
    }

    public async ValueTask DisposeAsync()
    {
        await _refresher.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}
