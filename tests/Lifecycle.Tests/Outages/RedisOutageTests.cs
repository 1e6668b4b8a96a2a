using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.Outages;

/// <summary>
/// Redis stopped under a running control plane: every lifecycle request and a host's report is accepted (its event
/// waits in the outbox) and applied once Redis is back; only what needs Redis itself (an operator's request for a
/// pass, sent over pub/sub) answers 503 problem+json with Retry-After, never a 500.
/// </summary>
public sealed class RedisOutageTests
{
    [Test]
    public async Task Lifecycle_requests_and_host_reports_are_accepted_while_redis_is_down_and_applied_once_it_returns()
    {
        await using var servers = await LocalServers.StartAsync();
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres),
            redis: $"{servers.Redis},asyncTimeout=1000,syncTimeout=1000",
            settings: new Dictionary<string, string?> { ["Lifecycle:HostMonitor:Enabled"] = "true" });
        var reported = await OutageRequests.RunningSandboxAsync(harness);
        var destroyed = await OutageRequests.RunningSandboxAsync(harness);
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var host = harness.Fleet.Hosts[0];
        using var agent = harness.ClientWithKey(host.Token);

        await servers.StopAsync("redis");
        var reconcile = await OutageRequests.AnswerAsync("reconcile", admin.PostAsync("/v1/reconcile", null));
        // The host says the sandbox exited on its own.
        var report = await OutageRequests.AnswerAsync("report", agent.PostAsJsonAsync("/v1/hosts/sandbox-events", new
        {
            event_id = Guid.CreateVersion7(),
            sandbox_id = reported,
            type = "exited",
            reason = "crashed",
            at = DateTimeOffset.UtcNow,
            sequence = 1,
        }));
        var create = await OutageRequests.AnswerAsync("create", harness.Client.PostAsJsonAsync("/v1/sandboxes", new { }));
        var destroy = await OutageRequests.AnswerAsync("destroy", harness.Client.DeleteAsync($"/v1/sandboxes/{destroyed}"));
        var get = await OutageRequests.AnswerAsync("get", harness.Client.GetAsync($"/v1/sandboxes/{destroyed}"));

        Assert.Multiple(() =>
        {
            foreach (var answer in new[] { report, create, destroy })
            {
                Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Accepted), answer.ToString());
            }
            Assert.That(get.Status, Is.EqualTo(HttpStatusCode.OK), get.ToString());
            Assert.That(reconcile.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "a pass is requested over pub/sub: " + reconcile);
            Assert.That(reconcile.ContentType, Is.EqualTo("application/problem+json"), reconcile.ToString());
            Assert.That(reconcile.RetryAfter, Is.Not.Null, reconcile.ToString());
        });

        await servers.StartAgainAsync();
        var created = JsonDocument.Parse(create.Body).RootElement.GetProperty("id").GetString()!;
        await harness.WaitForStatusAsync(created, "running", TimeSpan.FromSeconds(15));
        await harness.WaitForStatusAsync(destroyed, "stopped", TimeSpan.FromSeconds(15));
        await harness.WaitForStatusAsync(reported, "stopped", TimeSpan.FromSeconds(15));
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
