using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>No key or token ever reaches a log, at any level, whatever happens to it.</summary>
public sealed class SecretsInLogsTests
{
    [Test]
    public async Task A_full_run_at_trace_level_logs_no_key_and_no_token()
    {
        var logs = new CapturedLogs();
        var secrets = new List<string> { ControlPlaneHarness.ApiKey, ControlPlaneHarness.AdminKey };
        await using (var harness = await ControlPlaneHarness.StartAsync(hosts: 2, heartbeatMs: 200, logs: logs, settings: new Dictionary<string, string?>
        {
            ["Lifecycle:HostMonitor:Enabled"] = "true",
            ["Lifecycle:HostMonitor:Interval"] = "00:00:00.300",
        }))
        {
            secrets.AddRange(harness.Fleet.Hosts.Select(h => h.Token!));
            using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
            var team = await (await admin.PostAsJsonAsync("/v1/teams", new { name = "secretive" })).Content.ReadFromJsonAsync<JsonElement>();
            var teamKey = team.GetProperty("api_key").GetProperty("key").GetString()!;
            secrets.Add(teamKey);
            var host = await (await admin.PostAsJsonAsync("/v1/hosts", new { name = "extra", grpc_address = "https://127.0.0.1:1", csr = TestTrust.NewCsr() })).Content.ReadFromJsonAsync<JsonElement>();
            secrets.Add(host.GetProperty("token").GetString()!);

            using var client = harness.ClientWithKey(teamKey);
            var id = (await (await client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", timeout_sec = 1 })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            await Eventually.TrueAsync(async () => (await client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}")).GetProperty("status").GetString() == "paused",
                TimeSpan.FromSeconds(10), "the sandbox ran, then was auto-paused and reported by its host");
            await client.PostAsync($"/v1/sandboxes/{id}/resume", null);
            await client.DeleteAsync($"/v1/sandboxes/{id}");
            await admin.DeleteAsync($"/v1/teams/{team.GetProperty("id").GetString()}/keys/{team.GetProperty("api_key").GetProperty("id").GetString()}");
            Assert.That((await client.GetAsync("/v1/sandboxes")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the revoked key was tried");
            using var wrongAdmin = harness.ClientWithKey(ControlPlaneHarness.AdminKey + "x");
            await wrongAdmin.GetAsync("/v1/hosts");
            secrets.Add(ControlPlaneHarness.AdminKey + "x");
            var retired = harness.Fleet.Hosts[1];
            await admin.PostAsync($"/v1/hosts/{retired.HostId}/decommission", null);
            await Eventually.TrueAsync(() => logs.Entries.Any(entry => entry.Contains($"host {retired.Name}: heartbeat refused", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), "the decommissioned host's heartbeat is refused");
        }

        Assert.That(logs.Entries, Has.Count.GreaterThan(100), "trace logging was captured");
        foreach (var secret in secrets)
        {
            var leaks = logs.Entries.Where(entry => entry.Contains(secret, StringComparison.Ordinal)).ToList();
            Assert.That(leaks, Is.Empty, $"a secret ({secret[..6]}…) appears in {leaks.Count} log entries");
        }
    }
}
