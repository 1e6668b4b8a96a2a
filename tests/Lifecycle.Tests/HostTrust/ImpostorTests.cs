using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgent.V1.Trust;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.Infrastructure.HostAgents;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.HostTrust;

/// <summary>
/// A registered host's agent goes away and an impostor listens on its address: a real gRPC server with a
/// certificate for the right host id from another CA, or one from the real CA for another host id. The
/// control plane refuses the handshake, so the impostor is never asked anything and no sandbox changes.
/// </summary>
public sealed class ImpostorTests
{
    [TestCase(true, TestName = "An_impostor_with_the_right_host_id_from_another_CA_is_refused_and_changes_nothing")]
    [TestCase(false, TestName = "An_impostor_with_a_real_certificate_of_another_host_is_refused_and_changes_nothing")]
    public async Task Impostor_is_refused(bool rogueCa)
    {
        var logs = new CapturedLogs();
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 1, heartbeatMs: 200, logs: logs, settings: new Dictionary<string, string?>
        {
            ["Lifecycle:HostMonitor:Enabled"] = "true",
            ["Lifecycle:HostMonitor:Interval"] = "00:00:00.500",
            ["Lifecycle:HostMonitor:Slices"] = "1",
        });
        var host = harness.Fleet.Hosts[0];
        var hostId = host.HostId!.Value;
        var ids = new[] { await harness.CreateRunningAsync(), await harness.CreateRunningAsync(), await harness.CreateRunningAsync() };
        await harness.Client.PostAsync($"/v1/sandboxes/{ids[2]}/pause", null);
        await harness.WaitForStatusAsync(ids[2], "paused");
        var before = await SnapshotAsync(harness, ids);

        using var away = new CancellationTokenSource();
        var restart = host.RestartAsync(RestartMode.Keep, TimeSpan.FromMinutes(5), away.Token);
        await Eventually.TrueAsync(() => host.IsDown, TimeSpan.FromSeconds(10), "the real agent is away");
        var issuer = rogueCa ? Callers.IssuerFor(Callers.RogueAuthority, hostId) : Callers.IssuerFor(TestTrust.Authority, Guid.CreateVersion7());
        await using (var impostor = await StartImpostorAsync(host.Port, issuer))
        {
            var refusals = logs.Entries.Count(e => e.Contains($"Refused host {hostId}", StringComparison.Ordinal));
            await harness.ClientWithKey(ControlPlaneHarness.AdminKey).PostAsync("/v1/reconcile", null);
            var clients = harness.Services.GetRequiredService<HostAgentClients>();
            var direct = Assert.ThrowsAsync<RpcException>(async () =>
                await clients.For(hostId, host.Address).ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5)));
            Assert.That(direct!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
            // Several HostMonitor passes meet the impostor too.
            await Eventually.TrueAsync(() => logs.Entries.Count(e => e.Contains($"Refused host {hostId}", StringComparison.Ordinal)) >= refusals + 3,
                TimeSpan.FromSeconds(20), "the HostMonitor's passes are refused as well");

            Assert.That(impostor.Hosts[0].CallsReceived, Is.Zero, "the impostor was never asked anything");
            var reason = rogueCa ? PeerRefusals.Untrusted : PeerRefusals.WrongIdentity;
            Assert.That(logs.Entries.Any(e => e.Contains($"Refused host {hostId}: its TLS certificate is {reason}", StringComparison.Ordinal)), Is.True, reason);
            await harness.WaitForConsumerIdleAsync();
            Assert.That(await SnapshotAsync(harness, ids), Is.EqualTo(before), "no sandbox of the host changed");
        }

        await away.CancelAsync(); // the real agent comes back on its port
        Assert.CatchAsync<OperationCanceledException>(async () => await restart);
    }

    private static async Task<SimulatedFleet> StartImpostorAsync(int port, Lifecycle.HostAgentSim.Trust.CertificateIssuer issuer)
    {
        // The port was just closed: the kernel may hold it a moment longer.
        SimulatedFleet? impostor = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                impostor = await SimulatedFleet.StartAsync(new SimulatorOptions { HostCount = 1, BasePort = port, NamePrefix = "impostor", LatencyMs = 0 },
                    loggerFactory: null, issuer, CancellationToken.None);
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), $"the impostor binds port {port}", TimeSpan.FromMilliseconds(100));
        return impostor!;
    }

    private static async Task<List<string>> SnapshotAsync(ControlPlaneHarness harness, IEnumerable<string> ids)
    {
        var rows = new List<string>();
        foreach (var id in ids)
        {
            var row = await harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}");
            rows.Add($"{id} {row.GetProperty("status").GetString()} v{row.GetProperty("version").GetInt64()}");
        }
        return rows;
    }
}
