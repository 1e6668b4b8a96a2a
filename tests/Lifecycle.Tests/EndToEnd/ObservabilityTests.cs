using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.EndToEnd;

/// <summary><c>/readyz</c> and <c>/metrics</c>, without credentials, as a load balancer and Prometheus call them.</summary>
public sealed class ObservabilityTests
{
    [Test]
    public async Task Readiness_reports_redis_and_postgres_and_metrics_count_what_was_applied()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        using var anonymous = harness.ClientWithKey(null);

        var ready = await anonymous.GetAsync("/readyz");
        Assert.That((ready.StatusCode, await ready.Content.ReadAsStringAsync()), Is.EqualTo((HttpStatusCode.OK, "Healthy")));

        var created = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await harness.WaitForStatusAsync(id, "running");
        await harness.WaitForConsumerIdleAsync();

        var metrics = await RetryUntilAsync(anonymous, "/metrics", body => body.Contains("lifecycle_consumer", StringComparison.Ordinal));
        Assert.That(metrics, Does.Contain("http_server_request_duration_seconds"), "request metrics by route and status");
        var applied = metrics.Split('\n').Where(line => line.StartsWith("lifecycle_consumer", StringComparison.Ordinal) && line.Contains("applied", StringComparison.Ordinal) && !line.StartsWith('#')).ToList();
        Assert.That(applied, Is.Not.Empty, metrics);
        Assert.That(applied.Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)), Is.GreaterThan(0));
    }

    /// <summary>The exporter caches its answer briefly; ask again until it shows what was just counted.</summary>
    private static async Task<string> RetryUntilAsync(HttpClient client, string path, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var body = await client.GetStringAsync(path);
            if (done(body) || DateTime.UtcNow > deadline)
            {
                return body;
            }
            await Task.Delay(200);
        }
    }
}
