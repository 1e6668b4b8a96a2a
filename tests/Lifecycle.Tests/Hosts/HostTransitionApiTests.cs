using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Lifecycle.Tests.Hosts;

/// <summary>
/// POST /v1/hosts/{id}/cordon, …/uncordon and …/decommission: what the host transition table does not
/// allow is a 409 naming the current status and changes nothing; a repeat is harmless; every transition is in
/// the host's history with who made it and why.
/// </summary>
public sealed class HostTransitionApiTests
{
    private ControlPlaneHarness _harness = null!;
    private HostAdmin _admin = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _harness = await ControlPlaneHarness.StartAsync();
        _admin = new HostAdmin(_harness);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _admin.Dispose();
        await _harness.DisposeAsync();
    }

    [TestCase("cordon")]
    [TestCase("uncordon")]
    public async Task A_registered_host_cannot_be_cordoned_or_uncordoned_the_409_says_it_never_heartbeated_and_nothing_changes(string change)
    {
        var (id, _) = await _admin.RegisterAsync($"never-{change}", "https://10.0.0.9:9101");

        var answer = await _admin.TransitionAsync(id, change, "maintenance");

        await AssertConflictAsync(answer, "registered", "never heartbeated");
        Assert.That(await _admin.StatusAsync(id), Is.EqualTo("registered"));
        Assert.That((await _admin.HistoryAsync(id)).Select(t => t.Type), Is.EqualTo(new[] { "host.registered" }));
    }

    [Test]
    public async Task A_decommissioned_host_cannot_be_cordoned_or_uncordoned_and_decommissioning_it_again_changes_nothing()
    {
        var (id, token) = await _admin.RegisterAsync("retired", "https://10.0.0.10:9101");
        await _admin.HeartbeatAsync(id, token);
        (await _admin.TransitionAsync(id, "decommission", "hardware fault")).EnsureSuccessStatusCode();

        await AssertConflictAsync(await _admin.TransitionAsync(id, "cordon"), "decommissioned", "out of service for good");
        await AssertConflictAsync(await _admin.TransitionAsync(id, "uncordon"), "decommissioned", "out of service for good");
        var again = await _admin.TransitionAsync(id, "decommission", "again");

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString(), Is.EqualTo("decommissioned"));
        Assert.That(await _admin.HistoryAsync(id), Is.EqualTo(new[]
        {
            ("host.registered", (string?)null, "registered", "admin", (string?)null),
            ("host.first_heartbeat", "registered", "online", $"host:{id}", null),
            ("host.decommissioned", "online", "decommissioned", "admin", "hardware fault"),
        }));
    }

    [Test]
    public async Task Cordoning_a_cordoned_host_or_uncordoning_an_online_one_answers_200_and_writes_no_history()
    {
        var (id, token) = await _admin.RegisterAsync("twice", "https://10.0.0.11:9101");
        await _admin.HeartbeatAsync(id, token);

        var uncordonOnline = await _admin.TransitionAsync(id, "uncordon");
        var first = await _admin.TransitionAsync(id, "cordon", "first");
        var second = await _admin.TransitionAsync(id, "cordon", "second");

        Assert.That((uncordonOnline.StatusCode, first.StatusCode, second.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK)));
        Assert.That((await _admin.HistoryAsync(id)).Select(t => (t.Type, t.Reason)),
            Is.EqualTo(new[] { ("host.registered", (string?)null), ("host.first_heartbeat", null), ("host.cordoned", "first") }));
    }

    [Test]
    public async Task A_heartbeat_leaves_a_cordoned_host_cordoned()
    {
        var (id, token) = await _admin.RegisterAsync("beating", "https://10.0.0.12:9101");
        await _admin.HeartbeatAsync(id, token);
        (await _admin.TransitionAsync(id, "cordon")).EnsureSuccessStatusCode();

        await _admin.HeartbeatAsync(id, token);

        Assert.That(await _admin.StatusAsync(id), Is.EqualTo("cordoned"));
    }

    [Test]
    public async Task Bad_ids_unknown_hosts_and_bad_bodies_are_problems_that_change_nothing()
    {
        var (id, token) = await _admin.RegisterAsync("bodies", "https://10.0.0.13:9101");
        await _admin.HeartbeatAsync(id, token);
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);

        var badId = await admin.PostAsync("/v1/hosts/not-a-uuid/cordon", null);
        var unknown = await admin.PostAsync($"/v1/hosts/{Guid.NewGuid()}/cordon", null);
        var unknownHistory = await admin.GetAsync($"/v1/hosts/{Guid.NewGuid()}/history");
        var tooLong = await _admin.TransitionAsync(id, "cordon", new string('x', 201));
        var unknownField = await admin.PostAsync($"/v1/hosts/{id}/cordon", new StringContent("{\"why\":\"x\"}", Encoding.UTF8, "application/json"));
        var notJson = await admin.PostAsync($"/v1/hosts/{id}/cordon", new StringContent("reason=x", Encoding.UTF8, "text/plain"));

        Assert.That(badId.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(unknownHistory.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(tooLong.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(unknownField.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(notJson.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        foreach (var problem in new[] { badId, unknown, unknownHistory, tooLong, unknownField, notJson })
        {
            Assert.That(problem.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }
        Assert.That(await _admin.StatusAsync(id), Is.EqualTo("online"));
    }

    [Test]
    public async Task Host_changes_take_only_the_admin_key()
    {
        var host = _harness.Fleet.Hosts[0];
        using var agent = _harness.ClientWithKey(host.Token);

        Assert.That((await agent.PostAsync($"/v1/hosts/{host.HostId}/cordon", null)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await _harness.Client.PostAsync($"/v1/hosts/{host.HostId}/cordon", null)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await _harness.Client.GetAsync($"/v1/hosts/{host.HostId}/history")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await _admin.StatusAsync(host.HostId!), Is.EqualTo("online"));
    }

    private static async Task AssertConflictAsync(HttpResponseMessage answer, string current, string says)
    {
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("current_status").GetString(), Is.EqualTo(current));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain($"a host that is {current}").And.Contain(says));
    }
}
