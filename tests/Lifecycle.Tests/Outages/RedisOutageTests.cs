using System.Net;
using System.Net.Http.Json;

namespace Lifecycle.Tests.Outages;

/// <summary>
/// Redis stopped under a running control plane: what needs Redis (a reconcile request, a host's report,
/// both published; a lifecycle request, whose outcome must be published) answers 503 problem+json with
/// Retry-After, never a 500, and changes nothing; what needs only Postgres answers.
/// </summary>
public sealed class RedisOutageTests
{
    [Test]
    public async Task Requests_that_need_redis_answer_503_while_it_is_down_and_the_rest_answer()
    {
        await using var servers = await LocalServers.StartAsync();
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres),
            redis: $"{servers.Redis},asyncTimeout=1000,syncTimeout=1000",
            settings: new Dictionary<string, string?> { ["Lifecycle:HostMonitor:Enabled"] = "true" });
        var sandbox = await OutageRequests.RunningSandboxAsync(harness);
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var host = harness.Fleet.Hosts[0];
        using var agent = harness.ClientWithKey(host.Token);

        await servers.StopAsync("redis");
        var reconcile = await OutageRequests.AnswerAsync("reconcile", admin.PostAsync("/v1/reconcile", null));
        var report = await OutageRequests.AnswerAsync("report", agent.PostAsJsonAsync("/v1/hosts/sandbox-events", new
        {
            event_id = Guid.CreateVersion7(),
            sandbox_id = sandbox,
            type = "exited",
            reason = "crashed",
            at = DateTimeOffset.UtcNow,
            sequence = 1,
        }));
        var create = await OutageRequests.AnswerAsync("create", harness.Client.PostAsJsonAsync("/v1/sandboxes", new { }));
        var pause = await OutageRequests.AnswerAsync("pause", harness.Client.PostAsync($"/v1/sandboxes/{sandbox}/pause", null));
        var destroy = await OutageRequests.AnswerAsync("destroy", harness.Client.DeleteAsync($"/v1/sandboxes/{sandbox}"));
        var get = await OutageRequests.AnswerAsync("get", harness.Client.GetAsync($"/v1/sandboxes/{sandbox}"));
        var row = await harness.Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/v1/sandboxes/{sandbox}");

        Assert.Multiple(() =>
        {
            foreach (var answer in new[] { reconcile, report, create, pause, destroy })
            {
                Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.ToString());
                Assert.That(answer.ContentType, Is.EqualTo("application/problem+json"), answer.ToString());
                Assert.That(answer.RetryAfter, Is.Not.Null, answer.ToString());
            }
            Assert.That(get.Status, Is.EqualTo(HttpStatusCode.OK), get.ToString());
            Assert.That(row.GetProperty("status").GetString(), Is.EqualTo("running"), "a refused request changed nothing");
        });
    }

    [Test]
    public async Task With_redis_stopped_a_read_of_postgres_answers_200_promptly_under_the_rate_limit()
    {
        await using var servers = await LocalServers.StartAsync();
        // StackExchange.Redis's own timeouts (5 s) stay as they are: the limiter must not wait for them.
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres),
            redis: servers.Redis, settings: new Dictionary<string, string?>
            {
                ["Lifecycle:RateLimit:PermitsPerSecond"] = "100",
                ["Lifecycle:RateLimit:Burst"] = "200",
            });
        Assert.That((await harness.Client.GetAsync("/v1/sandboxes")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await servers.StopAsync("redis");
        var answers = new List<(HttpStatusCode Status, TimeSpan Took)>();
        for (var i = 0; i < 5; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var response = await harness.Client.GetAsync("/v1/sandboxes");
            answers.Add((response.StatusCode, clock.Elapsed));
        }

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK), string.Join(", ", answers));
        Assert.That(answers.Select(a => a.Took), Is.All.LessThan(TimeSpan.FromSeconds(2)), string.Join(", ", answers));
    }
}
