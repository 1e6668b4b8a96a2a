using System.Net;
using Dapper;
using static Lifecycle.Tests.Idempotency.KeyedRequests;

namespace Lifecycle.Tests.Idempotency;

/// <summary>
/// One key, one change, whichever replicas the copies reach and whichever of them dies: the key and the change it
/// answers commit together, and a copy that arrives while another holds the key waits for it and answers as it did.
/// </summary>
public sealed class IdempotencyAcrossReplicasTests
{
    private const int Sandboxes = 8;

    [Test]
    public async Task Two_concurrent_pauses_with_one_key_through_two_replicas_make_one_transition()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        await using var other = await harness.StartReplicaAsync(hosts: 1, hostNamePrefix: "other");
        var ids = await Task.WhenAll(Enumerable.Range(0, Sandboxes).Select(_ => harness.CreateRunningAsync()));

        var answers = await Task.WhenAll(ids.Select(async id =>
        {
            var key = $"pause-{id}";
            var both = await Task.WhenAll(
                SendAsync(harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", key),
                SendAsync(other.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", key));
            return (Id: id, Answers: both);
        }));

        await using var conn = harness.Database.DataSource.CreateConnection();
        foreach (var (id, both) in answers)
        {
            Assert.That(both.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.Accepted), id);
            Assert.That(both.Count(a => !Replayed(a)), Is.EqualTo(1), $"{id}: one copy did the pause, the other was answered from it");
            Assert.That(await both[0].Content.ReadAsStringAsync(), Is.EqualTo(await both[1].Content.ReadAsStringAsync()), id);
            Assert.That(await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM sandbox_transitions WHERE sandbox_id = @Id AND to_status = 'pausing'", new { Id = Guid.Parse(id) }),
                Is.EqualTo(1), $"{id}: one pause was requested");
        }
    }

    [Test]
    public async Task Creates_on_a_replica_killed_mid_flight_retried_on_another_make_one_sandbox_per_key()
    {
        const int Workers = 8;
        const int AnsweredBeforeKill = 40;
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2);
        const string Doomed = "doomed";
        await harness.StartProcessReplicaAsync(Doomed, waitUntilServing: true);
        using var doomed = new HttpClient { BaseAddress = harness.UrlOf(Doomed) };
        doomed.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ControlPlaneHarness.ApiKey);
        string Body(string key) => $"{{\"template\":\"base\",\"metadata\":{{\"key\":\"{key}\"}}}}";

        // Clients keep creating through the doomed replica until it dies, so some creates are committed and answered,
        // some are cut off mid-transaction or mid-answer, and some never arrive.
        var sent = new System.Collections.Concurrent.ConcurrentBag<string>();
        var answered = 0;
        var dead = false;
        var workers = Enumerable.Range(0, Workers).Select(async _ =>
        {
            while (!Volatile.Read(ref dead))
            {
                var key = $"kill-{Guid.NewGuid():N}";
                sent.Add(key);
                try
                {
                    using var answer = await SendAsync(doomed, HttpMethod.Post, "/v1/sandboxes", key, Body(key));
                    answer.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref answered);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Volatile.Write(ref dead, true);
                }
            }
        }).ToList();
        await Eventually.TrueAsync(() => Volatile.Read(ref answered) >= AnsweredBeforeKill, TimeSpan.FromSeconds(30), "creates answered by the doomed replica");
        harness.KillReplica(Doomed);
        await Task.WhenAll(workers);
        var keys = sent.ToList();

        // Every client retries on the surviving replica with its key.
        var retries = await Task.WhenAll(keys.Select(async key =>
        {
            using var answer = await SendAsync(harness.Client, HttpMethod.Post, "/v1/sandboxes", key, Body(key));
            return (Key: key, answer.StatusCode, Replayed: Replayed(answer), Id: answer.IsSuccessStatusCode ? await IdOfAsync(answer) : null);
        }));

        var finalAnswered = Volatile.Read(ref answered);
        TestContext.Out.WriteLine($"{keys.Count} creates sent, {finalAnswered} answered before the kill; {retries.Count(r => r.Replayed)} retries replayed an earlier answer");
        Assert.That(retries.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Accepted));
        Assert.That(retries.Count(r => r.Replayed), Is.GreaterThanOrEqualTo(finalAnswered), "every create answered before the kill is replayed");
        await using var conn = harness.Database.DataSource.CreateConnection();
        var perKey = (await conn.QueryAsync<(string Key, long Count)>(
            "SELECT metadata->>'key', count(*) FROM sandboxes GROUP BY 1")).ToDictionary(r => r.Key, r => r.Count);
        Assert.That(perKey.Keys, Is.EquivalentTo(keys), "a sandbox for every key");
        Assert.That(perKey.Values, Is.All.EqualTo(1), "and only one");
        foreach (var (key, _, _, id) in retries)
        {
            Assert.That(await conn.ExecuteScalarAsync<string>("SELECT metadata->>'key' FROM sandboxes WHERE id = @Id", new { Id = Guid.Parse(id!) }),
                Is.EqualTo(key), "the answer names the key's sandbox");
        }
    }
}
