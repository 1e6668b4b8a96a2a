using System.Net;

namespace Lifecycle.Tests.Outages;

/// <summary>
/// A control plane on a Postgres of its own, stopped as a crash stops it (immediate shutdown) and
/// started again: every request answers 503 problem+json with Retry-After while it is down, never a
/// 500; requests succeed again once it is back, without restarting the control plane; and a request
/// that arrives during a short restart waits it out.
/// </summary>
public sealed class PostgresOutageTests
{
    [Test]
    public async Task Every_kind_of_request_answers_503_while_postgres_is_down_and_succeeds_once_it_is_back()
    {
        await using var servers = await LocalServers.StartAsync();
        // A short ride-through, so the outage is answered quickly.
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres),
            redis: servers.Redis, settings: new Dictionary<string, string?> { ["Lifecycle:Outages:RideThrough"] = "00:00:00.500" });
        var sandbox = await OutageRequests.RunningSandboxAsync(harness);
        var requests = new OutageRequests(harness, sandbox);

        await servers.StopPostgresImmediatelyAsync();
        OutageRequests.Answer[] down = [.. await requests.SendAllAsync(), await requests.DestroyAsync()];

        Assert.That(down.Select(a => a.Name), Is.EquivalentTo(new[] { "create", "get", "list", "pause", "wait", "heartbeat", "list hosts", "destroy" }));
        Assert.Multiple(() =>
        {
            foreach (var answer in down)
            {
                Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.ToString());
                Assert.That(answer.ContentType, Is.EqualTo("application/problem+json"), answer.ToString());
                Assert.That(answer.RetryAfter, Is.Not.Null, answer.ToString());
                Assert.That(answer.Body, Does.Contain("Postgres is unreachable"), answer.ToString());
            }
        });

        await servers.StartAgainAsync();
        var up = await requests.SendAllAsync();

        Assert.Multiple(() =>
        {
            foreach (var answer in up)
            {
                Assert.That((int)answer.Status, Is.InRange(200, 299), answer.ToString());
            }
        });
        Assert.That((await requests.DestroyAsync()).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task A_request_sent_while_postgres_restarts_waits_it_out_instead_of_failing()
    {
        await using var servers = await LocalServers.StartAsync();
        // Roomier than the 5 s default: starting Postgres (with crash recovery) on a busy test machine
        // takes a few seconds by itself, and this proves the waiting, not the default's length.
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres),
            redis: servers.Redis, settings: new Dictionary<string, string?> { ["Lifecycle:Outages:RideThrough"] = "00:00:15" });
        var sandbox = await OutageRequests.RunningSandboxAsync(harness);
        var requests = new OutageRequests(harness, sandbox);

        await servers.StopPostgresImmediatelyAsync();
        var sending = requests.SendAllAsync();
        // The restart this test is about: Postgres is away for about 1.5 s after the requests arrive.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.That(sending.IsCompleted, Is.False, "the requests wait while Postgres is away");
        await servers.StartAgainAsync();
        var answers = await sending;

        Assert.Multiple(() =>
        {
            foreach (var answer in answers)
            {
                Assert.That((int)answer.Status, Is.InRange(200, 299), answer.ToString());
            }
        });
    }
}
