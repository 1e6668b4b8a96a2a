using System.Net;
using System.Net.Http.Headers;
using Dapper;
using Lifecycle.ControlPlane.Idempotency;
using Microsoft.Extensions.DependencyInjection;
using static Lifecycle.Tests.Idempotency.KeyedRequests;

namespace Lifecycle.Tests.Idempotency;

/// <summary>
/// Any POST or DELETE retried with its <c>Idempotency-Key</c> is done once: the key is stored with a fingerprint of the
/// request, in the transaction of the change it answers, and a retry gets the first answer.
/// </summary>
public sealed class IdempotencyKeyTests
{
    private const string CreateBody = """{"template":"base","metadata":{"run":"idempotency"}}""";

    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task Ten_retries_of_one_create_after_dropped_answers_make_exactly_one_sandbox()
    {
        var key = $"create-{Guid.NewGuid():N}";
        using var losing = new LosingHandler(losses: 9);
        using var client = new HttpClient(losing) { BaseAddress = _harness.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ControlPlaneHarness.ApiKey);

        HttpResponseMessage? answer = null;
        for (var attempt = 1; attempt <= 10 && answer is null; attempt++)
        {
            try
            {
                answer = await SendAsync(client, HttpMethod.Post, "/v1/sandboxes", key, $"{{\"template\":\"base\",\"metadata\":{{\"run\":\"{key}\"}}}}");
            }
            catch (HttpRequestException)
            {
                // Lost on the way back: retry with the same key, as a client must.
            }
        }

        Assert.That(losing.Delivered, Is.EqualTo(10), "every try reached the control plane");
        Assert.That(answer!.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Replayed(answer), Is.True, "the tenth try is answered from the first");
        var id = Guid.Parse(await IdOfAsync(answer));
        await using var conn = _harness.Database.DataSource.CreateConnection();
        Assert.That(await conn.ExecuteScalarAsync<Guid>("SELECT id FROM sandboxes WHERE metadata->>'run' = @Key", new { Key = key }), Is.EqualTo(id),
            "one sandbox, the one the answer names");
        Assert.That(await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandbox_transitions WHERE sandbox_id = @Id AND from_status IS NULL", new { Id = id }),
            Is.EqualTo(1), "one create was requested");
        Assert.That(await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE key = @Key", new { Key = key }), Is.EqualTo(1));
    }

    [Test]
    public async Task A_replay_reads_as_the_first_answer_did()
    {
        var key = $"replay-{Guid.NewGuid():N}";
        var first = await SendAsync(_harness.Client, HttpMethod.Post, "/v1/sandboxes", key, CreateBody);
        // The same body with other whitespace is the same request.
        var again = await SendAsync(_harness.Client, HttpMethod.Post, "/v1/sandboxes", key, "{ \"template\": \"base\",\n  \"metadata\": { \"run\": \"idempotency\" } }");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Replayed(first), Is.False);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Replayed(again), Is.True);
        Assert.That(await again.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
        Assert.That(again.Headers.Location, Is.EqualTo(first.Headers.Location));
        Assert.That(again.Headers.ETag, Is.EqualTo(first.Headers.ETag));
    }

    [Test]
    public async Task A_key_reused_for_another_request_is_a_422_and_changes_nothing()
    {
        var key = $"reused-{Guid.NewGuid():N}";
        var first = await SendAsync(_harness.Client, HttpMethod.Post, "/v1/sandboxes", key, CreateBody);
        var id = await IdOfAsync(first);
        await using var conn = _harness.Database.DataSource.CreateConnection();
        var before = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandboxes");

        var otherBody = await SendAsync(_harness.Client, HttpMethod.Post, "/v1/sandboxes", key, """{"template":"base","vcpus":2}""");
        var otherPath = await SendAsync(_harness.Client, HttpMethod.Delete, $"/v1/sandboxes/{id}", key);

        foreach (var refused in new[] { otherBody, otherPath })
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            var problem = await BodyAsync(refused);
            Assert.That(problem.GetProperty("type").GetString(), Is.EqualTo("urn:lifecycle:problem:idempotency-key-reused"));
            Assert.That(problem.GetProperty("request_id").GetString(), Is.Not.Empty);
        }
        Assert.That(await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandboxes"), Is.EqualTo(before));
        Assert.That(await conn.ExecuteScalarAsync<string>("SELECT status FROM sandboxes WHERE id = @Id", new { Id = Guid.Parse(id) }),
            Is.Not.EqualTo("stopping"), "the delete with the reused key did nothing");
    }

    [Test]
    public async Task A_pause_retried_after_the_sandbox_paused_gets_its_first_answer_not_a_conflict()
    {
        var id = await _harness.CreateRunningAsync();
        var key = $"pause-{Guid.NewGuid():N}";
        var first = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", key);
        await _harness.WaitForStatusAsync(id, "paused");

        var retried = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", key);
        var unkeyed = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Replayed(retried), Is.True);
        Assert.That((await BodyAsync(retried)).GetProperty("status").GetString(), Is.EqualTo("pausing"), "the answer as it was");
        Assert.That(unkeyed.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "without the key it is a new request");
    }

    [Test]
    public async Task An_answer_that_changed_nothing_is_not_kept()
    {
        var id = await _harness.CreateRunningAsync();
        var key = $"conflict-{Guid.NewGuid():N}";

        var refused = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/resume", key);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null);
        await _harness.WaitForStatusAsync(id, "paused");
        var retried = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/resume", key);

        Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the 409 was not stored, so the retry runs");
        Assert.That(Replayed(retried), Is.False);
    }

    [Test]
    public async Task A_key_past_its_retention_is_free_again_and_the_janitor_deletes_it()
    {
        var key = $"expired-{Guid.NewGuid():N}";
        await SendAsync(_harness.Client, HttpMethod.Post, "/v1/sandboxes", key, CreateBody);
        await using var conn = _harness.Database.DataSource.CreateConnection();
        await conn.ExecuteAsync("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = @Key", new { Key = key });

        var reused = await SendAsync(_harness.Client, HttpMethod.Post, "/v1/sandboxes", key, """{"template":"base","vcpus":2}""");
        Assert.That(reused.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Replayed(reused), Is.False);
        Assert.That((await BodyAsync(reused)).GetProperty("vcpus").GetInt32(), Is.EqualTo(2));

        await conn.ExecuteAsync("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = @Key", new { Key = key });
        var purged = await _harness.Services.GetRequiredService<IdempotencyStore>().PurgeExpiredAsync(CancellationToken.None);
        Assert.That(purged, Is.GreaterThanOrEqualTo(1));
        Assert.That(await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE key = @Key", new { Key = key }), Is.Zero);
    }

    [TestCase("")]
    [TestCase("tab\there")]
    [TestCase("a-key-longer-than-two-hundred-characters-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task An_insane_key_is_a_400(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var answer = await _harness.Client.SendAsync(request);

        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await BodyAsync(answer)).GetProperty("detail").GetString(), Does.Contain("Idempotency-Key"));
    }
}
