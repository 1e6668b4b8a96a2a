using System.Diagnostics;
using System.Net;

namespace Lifecycle.Tests.Outages;

/// <summary>
/// <c>POST /v1/reconcile</c> tells whether a replica owning shards of hosts took the request, and the shards
/// are owned again within seconds of Postgres returning from a crash, not a lease period or two later.
/// </summary>
public sealed class HostMonitorAfterOutageTests
{
    [Test]
    public async Task Reconcile_answers_503_with_retry_after_when_no_replica_runs_the_HostMonitor()
    {
        // The harness runs without a HostMonitor unless told otherwise.
        await using var harness = await ControlPlaneHarness.StartAsync();
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);

        var answer = await OutageRequests.AnswerAsync("reconcile", admin.PostAsync("/v1/reconcile", null));

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.ToString());
        Assert.That(answer.ContentType, Is.EqualTo("application/problem+json"));
        Assert.That(answer.RetryAfter, Is.Not.Null);
        Assert.That(answer.Body, Does.Contain("No replica runs the HostMonitor at the moment"));
    }

    [Test]
    public async Task The_shards_of_hosts_are_owned_again_within_seconds_of_postgres_returning_and_reconcile_says_so()
    {
        await using var servers = await LocalServers.StartAsync();
        // The default lease period (15 s): the shards must be owned again well before it.
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres),
            redis: servers.Redis, settings: new Dictionary<string, string?> { ["Lifecycle:HostMonitor:Enabled"] = "true" });
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        Assert.That(await ReconcileAnswersAsync(admin, HttpStatusCode.Accepted, TimeSpan.FromSeconds(15)), Is.True, "an owner at start");

        await servers.StopPostgresImmediatelyAsync();
        Assert.That(await ReconcileAnswersAsync(admin, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10)), Is.True,
            "no owner while Postgres is down, and reconcile says so");

        await servers.StartAgainAsync();
        var back = Stopwatch.StartNew();
        Assert.That(await ReconcileAnswersAsync(admin, HttpStatusCode.Accepted, TimeSpan.FromSeconds(30)), Is.True, "an owner again");
        Assert.That(back.Elapsed, Is.LessThan(TimeSpan.FromSeconds(6)), "within a few seconds of Postgres answering, not a lease period");
    }

    /// <summary>Polls <c>POST /v1/reconcile</c> until it answers <paramref name="wanted"/>; false when the time runs out.</summary>
    private static Task<bool> ReconcileAnswersAsync(HttpClient admin, HttpStatusCode wanted, TimeSpan within) =>
        Eventually.WithinAsync(async () =>
        {
            using var response = await admin.PostAsync("/v1/reconcile", null);
            Assert.That((int)response.StatusCode, Is.Not.EqualTo(500), "never a 500");
            return response.StatusCode == wanted;
        }, within, TimeSpan.FromMilliseconds(100));
}
