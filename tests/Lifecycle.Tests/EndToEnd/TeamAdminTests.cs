using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>Teams and their keys through the admin API; one team never sees another's sandboxes; limits per key.</summary>
public sealed class TeamAdminTests
{
    [Test]
    public async Task A_new_teams_key_works_until_revoked_and_sees_only_its_own_sandboxes()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var created = await admin.PostAsJsonAsync("/v1/teams", new { name = "acme" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var team = await created.Content.ReadFromJsonAsync<JsonElement>();
        var teamId = team.GetProperty("id").GetString();
        var key = team.GetProperty("api_key").GetProperty("key").GetString()!;
        var keyId = team.GetProperty("api_key").GetProperty("id").GetString();
        Assert.That(key, Does.StartWith("lck_").And.Length.GreaterThan(40));
        using var acme = harness.ClientWithKey(key);

        var mine = await acme.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That(mine.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var theirs = await (await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" })).Content.ReadFromJsonAsync<JsonElement>();
        var theirId = theirs.GetProperty("id").GetString();
        Assert.That((await acme.GetAsync($"/v1/sandboxes/{theirId}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another team's sandbox is a 404");
        Assert.That((await acme.DeleteAsync($"/v1/sandboxes/{theirId}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var page = await acme.GetFromJsonAsync<JsonElement>("/v1/sandboxes");
        Assert.That(page.GetProperty("sandboxes").GetArrayLength(), Is.EqualTo(1), "the list holds its own sandbox only");

        var second = await admin.PostAsync($"/v1/teams/{teamId}/keys", null);
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var revoked = await admin.DeleteAsync($"/v1/teams/{teamId}/keys/{keyId}");
        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That((await acme.GetAsync("/v1/sandboxes")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a revoked key stops at once");
        using var acmeAgain = harness.ClientWithKey((await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString());
        Assert.That((await acmeAgain.GetAsync("/v1/sandboxes")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the other key still works");
    }

    [Test]
    public async Task Team_keys_and_host_tokens_cannot_call_admin_or_host_endpoints()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var host = harness.Fleet.Hosts[0];

        Assert.That((await harness.Client.PostAsJsonAsync("/v1/teams", new { name = "x" })).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await harness.Client.PostAsync($"/v1/hosts/{host.HostId}/heartbeat", null)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using var agent = harness.ClientWithKey(host.Token);
        Assert.That((await agent.PostAsJsonAsync("/v1/teams", new { name = "x" })).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_key_over_its_rate_gets_429_with_retry_after_and_other_keys_do_not()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Lifecycle:RateLimit:PermitsPerSecond"] = "1",
            ["Lifecycle:RateLimit:Burst"] = "5",
        });
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            statuses.Add((await harness.Client.GetAsync("/v1/sandboxes")).StatusCode);
        }
        var limited = await harness.Client.GetAsync("/v1/sandboxes");

        Assert.That(statuses, Has.Some.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(limited.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(limited.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(limited.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        Assert.That((await admin.GetAsync("/v1/hosts")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "another key has its own bucket");
    }
}
