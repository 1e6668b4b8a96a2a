using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;

namespace Lifecycle.Tests.EndToEnd;

/// <summary><c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>, without credentials, as a load balancer and Prometheus call them.</summary>
public sealed class ObservabilityTests
{
    [Test]
    public async Task Metrics_after_a_lifecycle_count_events_and_operations_and_stream_gauges_match_xinfo()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        using var anonymous = harness.ClientWithKey(null);
        var created = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await harness.WaitForStatusAsync(id, "running");
        await harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null);
        await harness.WaitForStatusAsync(id, "paused");
        await harness.WaitForConsumerIdleAsync();
        // Something for the pending gauge to show: an entry read by a consumer of our own that never acknowledges it.
        await harness.Redis.StreamAddAsync(harness.Keys.Partition(0).Events, [new NameValueEntry("type", "held")]);
        await harness.WaitForConsumerIdleAsync();
        await harness.Redis.StreamAddAsync(harness.Keys.Partition(0).Events, [new NameValueEntry("type", "held")]);
        await harness.Redis.StreamReadGroupAsync(harness.Keys.Partition(0).Events, StreamKeys.ApplierGroup, "test-holder", ">", count: 1);

        var metrics = await RetryUntilAsync(anonymous, "/metrics", body => body.Contains("lifecycle_operations_completed", StringComparison.Ordinal));
        var info = await harness.Redis.StreamInfoAsync(harness.Keys.Partition(0).Events);
        var group = (await harness.Redis.StreamGroupInfoAsync(harness.Keys.Partition(0).Events)).Single();

        Assert.That(metrics, Does.Contain("http_server_request_duration_seconds"), "request metrics by route and status");
        Assert.That(PrometheusText.Single(metrics, "lifecycle_events_published_total", ("type", "sandbox.create.requested")), Is.GreaterThan(0));
        Assert.That(PrometheusText.Samples(metrics, "lifecycle_consumer_events_total", ("outcome", "applied")).Sum(), Is.GreaterThan(0));
        Assert.That(PrometheusText.Samples(metrics, "lifecycle_consumer_events_total", ("outcome", "deadlettered"), ("reason", "unreadable")).Sum(), Is.GreaterThan(0));
        Assert.That(PrometheusText.Samples(metrics, "lifecycle_consumer_batch_duration_seconds_count").Sum(), Is.GreaterThan(0));
        Assert.That(PrometheusText.Single(metrics, "lifecycle_operations_completed_total", ("operation", "pause"), ("outcome", "succeeded")), Is.GreaterThan(0));
        Assert.That(PrometheusText.Samples(metrics, "lifecycle_operations_in_flight").Sum(), Is.Zero);

        var stream = ("stream", harness.Keys.Partition(0).Events);
        Assert.That(PrometheusText.Single(metrics, "lifecycle_stream_length", stream), Is.EqualTo(info.Length));
        Assert.That(PrometheusText.Single(metrics, "lifecycle_stream_pending", stream, ("group", StreamKeys.ApplierGroup)), Is.EqualTo(group.PendingMessageCount).And.EqualTo(1));
        Assert.That(PrometheusText.Single(metrics, "lifecycle_stream_lag", stream, ("group", StreamKeys.ApplierGroup)), Is.EqualTo(group.Lag));
        Assert.That(PrometheusText.Single(metrics, "lifecycle_stream_oldest_pending_age_seconds", stream, ("group", StreamKeys.ApplierGroup)), Is.GreaterThanOrEqualTo(0));
        Assert.That(PrometheusText.Single(metrics, "lifecycle_stream_length", ("stream", harness.Keys.Partition(0).DeadLetters)),
            Is.EqualTo(await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).DeadLetters)).And.EqualTo(1));
    }

    [Test]
    public async Task Readiness_names_a_redis_outage_but_stays_ready_and_fails_while_postgres_is_down()
    {
        await using var servers = await LocalServers.StartAsync();
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres), redis: servers.Redis);
        using var anonymous = harness.ClientWithKey(null);
        Assert.That((await anonymous.GetAsync("/healthz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var healthy = await ReadyAsync(anonymous);
        Assert.That(healthy.Item1, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(healthy.Item2, Does.StartWith("Healthy\n"));

        // Requests are accepted while only Redis is away (their events wait in the outbox): a balancer must keep the replica.
        await servers.StopAsync("redis");
        var degraded = await WaitForReadyzAsync(anonymous, body => body.StartsWith("Degraded", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.That(degraded.Item1, Is.EqualTo(HttpStatusCode.OK), degraded.Item2);
        Assert.That(degraded.Item2, Does.Contain("redis: Degraded (unreachable"), "the body names the outage");
        Assert.That((await anonymous.GetAsync("/healthz")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the process is still alive");

        await servers.StartAgainAsync();
        var up = await WaitForReadyzAsync(anonymous, body => body.StartsWith("Healthy", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.That(up.Item1, Is.EqualTo(HttpStatusCode.OK));

        await servers.StopAsync("postgres");
        var down = await WaitForReadyzAsync(anonymous, body => body.StartsWith("Unhealthy", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.That(down.Item1, Is.EqualTo(HttpStatusCode.ServiceUnavailable), down.Item2);
        Assert.That(down.Item2, Does.Contain("postgres: Unhealthy (unreachable)"));
        await servers.StartAgainAsync();
    }

    private static async Task<(HttpStatusCode, string)> ReadyAsync(HttpClient client)
    {
        var response = await client.GetAsync("/readyz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode, string)> WaitForReadyzAsync(HttpClient client, Func<string, bool> wanted, TimeSpan within)
    {
        var answer = default((HttpStatusCode, string));
        await Eventually.WithinAsync(async () => wanted((answer = await ReadyAsync(client)).Item2), within, TimeSpan.FromMilliseconds(200));
        return answer;
    }

    /// <summary>The exporter caches its answer briefly; ask again until it shows what was just counted.</summary>
    private static async Task<string> RetryUntilAsync(HttpClient client, string path, Func<string, bool> done)
    {
        var body = "";
        await Eventually.WithinAsync(async () => done(body = await client.GetStringAsync(path)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        return body;
    }
}
