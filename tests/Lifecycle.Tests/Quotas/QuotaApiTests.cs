using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.ControlPlane.Teams;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.Quotas;

/// <summary>Team quotas against a real control plane: set by an operator, shown to the team, and refused with a 429 that names them.</summary>
public sealed class QuotaApiTests
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task An_operator_sets_any_subset_of_a_teams_quotas_and_the_team_sees_its_limits_and_usage()
    {
        var (teamId, team) = await NewTeamAsync();

        var first = await PutAsync(teamId, """{"max_active_sandboxes": 3, "max_vcpus": 8}""");
        var second = await PutAsync(teamId, """{"max_vcpus": null, "max_paused_sandboxes": 1}""");
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await CreateRunningAsync(team, new { vcpus = 2, memory_mb = 1024 });

        var view = await team.GetFromJsonAsync<JsonElement>("/v1/quota");
        Assert.That(Lines(view), Is.EqualTo(new Dictionary<string, (int?, long)>
        {
            ["max_active_sandboxes"] = (3, 1),
            ["max_vcpus"] = (null, 2),
            ["max_memory_mb"] = (null, 1024),
            ["max_paused_sandboxes"] = (1, 0),
        }));
    }

    [TestCase("""{"max_gpus": 2}""", "not a quota")]
    [TestCase("""{"max_vcpus": -1}""", "max_vcpus must be a whole number")]
    [TestCase("""{"max_vcpus": "8"}""", "max_vcpus must be a whole number")]
    [TestCase("""{"max_vcpus": 1.5}""", "max_vcpus must be a whole number")]
    public async Task A_bad_quota_body_is_a_400_naming_the_problem(string body, string says)
    {
        var (teamId, _) = await NewTeamAsync();

        var response = await PutAsync(teamId, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain(says));
    }

    [Test]
    public async Task Quotas_of_an_unknown_team_are_a_404_and_a_team_key_cannot_set_them()
    {
        Assert.That((await PutAsync(Guid.CreateVersion7(), """{"max_vcpus": 1}""")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var (teamId, team) = await NewTeamAsync();
        using var content = new StringContent("""{"max_vcpus": 1}""", System.Text.Encoding.UTF8, "application/json");
        Assert.That((await team.PutAsync($"/v1/teams/{teamId}/quotas", content)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_create_over_a_quota_is_a_429_naming_it_without_retry_after_and_a_retried_create_is_still_the_first()
    {
        var (teamId, team) = await NewTeamAsync();
        await PutAsync(teamId, """{"max_memory_mb": 1024}""");
        using var first = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = JsonContent.Create(new { memory_mb = 1024 }) };
        first.Headers.Add("Idempotency-Key", "once");
        var accepted = await team.SendAsync(first);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var refused = await team.PostAsJsonAsync("/v1/sandboxes", new { memory_mb = 128 });
        using var again = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = JsonContent.Create(new { memory_mb = 1024 }) };
        again.Headers.Add("Idempotency-Key", "once");
        var retried = await team.SendAsync(again);

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(refused.Headers.RetryAfter, Is.Null);
        Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That((problem.GetProperty("type").GetString(), problem.GetProperty("quota").GetString(), problem.GetProperty("limit").GetInt64(), problem.GetProperty("in_use").GetInt64()),
            Is.EqualTo(("urn:lifecycle:problem:quota-exceeded", "max_memory_mb", 1024L, 1024L)));
        Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString(), Is.EqualTo(id));
    }

    [Test]
    public async Task A_resume_or_connect_over_the_active_quota_and_a_pause_over_the_paused_quota_are_refused()
    {
        var (teamId, team) = await NewTeamAsync();
        await PutAsync(teamId, """{"max_active_sandboxes": 1, "max_paused_sandboxes": 1}""");
        var paused = await CreateRunningAsync(team, new { });
        Assert.That((await team.PostAsync($"/v1/sandboxes/{paused}/pause", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitAsync(team, paused, "paused");
        var running = await CreateRunningAsync(team, new { });

        var resume = await team.PostAsync($"/v1/sandboxes/{paused}/resume", null);
        var connect = await team.PostAsync($"/v1/sandboxes/{paused}/connect", null);
        var pause = await team.PostAsync($"/v1/sandboxes/{running}/pause", null);

        Assert.That((resume.StatusCode, await QuotaOf(resume)), Is.EqualTo((HttpStatusCode.TooManyRequests, "max_active_sandboxes")));
        Assert.That((connect.StatusCode, await QuotaOf(connect)), Is.EqualTo((HttpStatusCode.TooManyRequests, "max_active_sandboxes")));
        Assert.That((pause.StatusCode, await QuotaOf(pause)), Is.EqualTo((HttpStatusCode.TooManyRequests, "max_paused_sandboxes")));
        Assert.That((await team.DeleteAsync($"/v1/sandboxes/{running}")).StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "a destroy is never refused");
        await WaitAsync(team, running, "stopped");
        Assert.That((await team.PostAsync($"/v1/sandboxes/{paused}/connect", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "room again");
    }

    private static async Task<string?> QuotaOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("quota", out var quota) ? quota.GetString() : null;

    private static Dictionary<string, (int?, long)> Lines(JsonElement view) =>
        view.GetProperty("quotas").EnumerateArray().ToDictionary(
            line => line.GetProperty("quota").GetString()!,
            line => (line.GetProperty("limit").ValueKind == JsonValueKind.Null ? (int?)null : line.GetProperty("limit").GetInt32(), line.GetProperty("in_use").GetInt64()));

    private async Task<(Guid TeamId, HttpClient Client)> NewTeamAsync()
    {
        var key = $"lck_quota_{Guid.NewGuid():N}";
        var teamId = await _harness.Services.GetRequiredService<TeamStore>().EnsureTeamWithKeyAsync($"quota-{Guid.NewGuid():N}"[..30], key, CancellationToken.None);
        return (teamId, _harness.ClientWithKey(key));
    }

    private async Task<HttpResponseMessage> PutAsync(Guid teamId, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        return await _harness.ClientWithKey(ControlPlaneHarness.AdminKey).PutAsync($"/v1/teams/{teamId}/quotas", content);
    }

    private static async Task<string> CreateRunningAsync(HttpClient team, object body)
    {
        var response = await team.PostAsJsonAsync("/v1/sandboxes", body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitAsync(team, id, "running");
        return id;
    }

    private static async Task WaitAsync(HttpClient team, string id, string status)
    {
        var response = await team.GetAsync($"/v1/sandboxes/{id}/wait?status={status}&timeout=10s");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{id} became {status}: {await response.Content.ReadAsStringAsync()}");
    }
}
