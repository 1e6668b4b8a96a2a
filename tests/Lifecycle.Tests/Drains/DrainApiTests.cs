using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Lifecycle.Tests.Drains;

/// <summary><c>POST /v1/hosts/{id}/drain</c>: what it accepts, what it refuses, and what a draining host no longer gets.</summary>
public sealed class DrainApiTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Lifecycle:HostMonitor:Enabled"] = "true",
        ["Lifecycle:Drain:Interval"] = "00:00:00.200",
    };

    [TestCase("{\"mode\":\"evict\",\"deadline_sec\":60}", "mode")]
    [TestCase("{\"deadline_sec\":60}", "mode")]
    [TestCase("{\"mode\":\"Pause\",\"deadline_sec\":60}", "mode")]
    [TestCase("{\"mode\":\"pause\"}", "deadline_sec")]
    [TestCase("{\"mode\":\"pause\",\"deadline_sec\":0}", "deadline_sec")]
    [TestCase("{\"mode\":\"pause\",\"deadline_sec\":604801}", "deadline_sec")]
    [TestCase("{\"mode\":\"pause\",\"deadline_sec\":99999999999}", "deadline_sec")]
    [TestCase("{\"mode\":\"pause\",\"deadline_sec\":\"60\"}", "deadline_sec")]
    [TestCase("{\"mode\":\"pause\",\"deadline_sec\":60,\"force\":true}", "force")]
    [TestCase("", "mode")]
    public async Task Bad_drain_requests_are_400_problems_that_change_nothing(string body, string naming)
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Settings);
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var hostId = harness.Fleet.Hosts[0].HostId!.Value;

        var response = await admin.PostAsync($"/v1/hosts/{hostId}/drain", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain(naming));
        Assert.That((await DrainScenario.HostAsync(admin, hostId)).GetProperty("status").GetString(), Is.Not.EqualTo("draining"));
    }

    [Test]
    public async Task A_drain_needs_the_admin_key_and_a_known_host()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Settings);
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var body = new { mode = "destroy", deadline_sec = 60 };

        Assert.That((await harness.Client.PostAsJsonAsync($"/v1/hosts/{harness.Fleet.Hosts[0].HostId}/drain", body)).StatusCode,
            Is.EqualTo(HttpStatusCode.Unauthorized).Or.EqualTo(HttpStatusCode.Forbidden), "a team's key is not the admin key");
        Assert.That((await admin.PostAsJsonAsync($"/v1/hosts/{Guid.NewGuid()}/drain", body)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await admin.PostAsJsonAsync("/v1/hosts/not-an-id/drain", body)).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_second_drain_of_a_draining_host_is_a_409_naming_the_drain_under_way()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Settings);
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var hostId = harness.Fleet.Hosts[0].HostId!.Value;
        await harness.CreateRunningAsync();
        (await admin.PostAsJsonAsync($"/v1/hosts/{hostId}/drain", new { mode = "wait", deadline_sec = 600 })).EnsureSuccessStatusCode();

        var again = await admin.PostAsJsonAsync($"/v1/hosts/{hostId}/drain", new { mode = "destroy", deadline_sec = 60 });

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("current_status").GetString(), Is.EqualTo("draining"));
        Assert.That(problem.GetProperty("drain_mode").GetString(), Is.EqualTo("wait"), "the drain under way is the first one");
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("ncordon"));
    }

    [Test]
    public async Task A_drained_or_decommissioned_host_cannot_be_drained()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2, settings: Settings);
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var (empty, retired) = (harness.Fleet.Hosts[0].HostId!.Value, harness.Fleet.Hosts[1].HostId!.Value);
        foreach (var id in new[] { empty, retired })
        {
            await Eventually.TrueAsync(async () => (await DrainScenario.HostAsync(admin, id)).GetProperty("status").GetString() == "online",
                TimeSpan.FromSeconds(30), $"host {id} is online");
        }
        (await admin.PostAsJsonAsync($"/v1/hosts/{empty}/drain", new { mode = "destroy", deadline_sec = 60 })).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () => (await DrainScenario.HostAsync(admin, empty)).GetProperty("status").GetString() == "drained",
            TimeSpan.FromSeconds(30), "a host with nothing on it is drained at the next round");
        (await admin.PostAsync($"/v1/hosts/{retired}/decommission", null)).EnsureSuccessStatusCode();

        foreach (var (id, status) in new[] { (empty, "drained"), (retired, "decommissioned") })
        {
            var response = await admin.PostAsJsonAsync($"/v1/hosts/{id}/drain", new { mode = "pause", deadline_sec = 60 });
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), status);
            Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("current_status").GetString(), Is.EqualTo(status));
        }
    }

    [Test]
    public async Task A_draining_host_receives_no_new_sandbox_and_reports_its_progress_as_a_metric()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2, settings: Settings);
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var (draining, open) = (harness.Fleet.Hosts[0].HostId!.Value, harness.Fleet.Hosts[1].HostId!.Value);
        var before = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            before.Add(await harness.CreateRunningAsync());
        }
        (await admin.PostAsJsonAsync($"/v1/hosts/{draining}/drain", new { mode = "wait", deadline_sec = 600 })).EnsureSuccessStatusCode();

        var placed = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            var response = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
            placed.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("host_id").GetGuid());
        }

        Assert.That(placed, Is.All.EqualTo(open), "every new sandbox went to the host that is still online");
        var host = await DrainScenario.HostAsync(admin, draining);
        var onIt = host.GetProperty("sandboxes").EnumerateObject().Sum(s => s.Value.GetInt64());
        using var anonymous = harness.ClientWithKey(null);
        await Eventually.TrueAsync(async () =>
            PrometheusText.Samples(await anonymous.GetStringAsync("/metrics"), "lifecycle_host_drain_remaining", ("host", draining.ToString())) is [var remaining]
                && (long)remaining == onIt,
            TimeSpan.FromSeconds(10), $"lifecycle_host_drain_remaining{{host=\"{draining}\"}} is {onIt}");
    }
}
