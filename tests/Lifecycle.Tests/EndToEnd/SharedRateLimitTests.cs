using System.Diagnostics;
using System.Net;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>A key's rate limit holds for the deployment, however its requests spread over the replicas.</summary>
public sealed class SharedRateLimitTests
{
    private const int Burst = 20;

    [Test]
    public async Task A_burst_split_over_two_replicas_gets_one_burst_accepted_and_the_rest_429()
    {
        await using var first = await ControlPlaneHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Lifecycle:RateLimit:PermitsPerSecond"] = "1",
            ["Lifecycle:RateLimit:Burst"] = $"{Burst}",
        });
        await using var second = await first.StartReplicaAsync();
        // Another key's request on each replica first, so the burst meets warm code, not start-up.
        foreach (var replica in new[] { first, second })
        {
            using var admin = replica.ClientWithKey(ControlPlaneHarness.AdminKey);
            Assert.That((await admin.GetAsync("/v1/hosts")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 3 * Burst).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? first : second).Client.GetAsync("/v1/sandboxes");
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType);
        }));
        var refilled = (int)Math.Ceiling(clock.Elapsed.TotalSeconds); // 1 token a second while the burst ran

        var accepted = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(accepted, Is.InRange(Burst, Burst + refilled), "one burst for the deployment, not one per replica");
            Assert.That(accepted + refused.Count, Is.EqualTo(answers.Length), "every other answer is a 429");
            Assert.That(refused.Select(a => a.RetryAfter), Is.All.GreaterThan(TimeSpan.Zero));
            Assert.That(refused.Select(a => a.MediaType), Is.All.EqualTo("application/problem+json"));
        });
    }
}
