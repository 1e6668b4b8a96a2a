using System.Net;
using System.Net.Http.Headers;
using Dapper;
using static Lifecycle.Tests.Idempotency.KeyedRequests;

namespace Lifecycle.Tests.Preconditions;

/// <summary>
/// Every sandbox answer carries an ETag; a change with a stale <c>If-Match</c> is a 412 that changes nothing, and a GET
/// with a current <c>If-None-Match</c> a 304.
/// </summary>
public sealed class PreconditionTests
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    private async Task<(string Id, string ETag)> RunningAsync()
    {
        var id = await _harness.CreateRunningAsync();
        var answer = await _harness.Client.GetAsync($"/v1/sandboxes/{id}");
        return (id, answer.Headers.ETag!.ToString());
    }

    private async Task<(long Version, string Status, long Transitions)> StateAsync(string id)
    {
        await using var conn = _harness.Database.DataSource.CreateConnection();
        return await conn.QuerySingleAsync<(long, string, long)>(
            "SELECT version, status, (SELECT count(*) FROM sandbox_transitions t WHERE t.sandbox_id = s.id) FROM sandboxes s WHERE id = @Id",
            new { Id = Guid.Parse(id) });
    }

    [Test]
    public async Task A_change_with_a_stale_ETag_is_a_412_naming_the_status_and_the_current_ETag_and_changes_nothing()
    {
        var (id, stale) = await RunningAsync();
        var moved = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/timeout", null, """{"timeout_sec": 600}""");
        var current = moved.Headers.ETag!.ToString();
        Assert.That(current, Is.Not.EqualTo(stale), "a timeout call changes the ETag");
        var before = await StateAsync(id);

        foreach (var (method, path, body) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null),
            (HttpMethod.Delete, $"/v1/sandboxes/{id}", null),
            (HttpMethod.Post, $"/v1/sandboxes/{id}/timeout", """{"timeout_sec": 60}"""),
            (HttpMethod.Post, $"/v1/sandboxes/{id}/connect", null),
        })
        {
            var refused = await SendAsync(_harness.Client, method, path, null, body, ifMatch: stale);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed), path);
            Assert.That(refused.Headers.ETag?.ToString(), Is.EqualTo(current), path);
            var problem = await BodyAsync(refused);
            Assert.That(problem.GetProperty("type").GetString(), Is.EqualTo("urn:lifecycle:problem:precondition-failed"));
            Assert.That(problem.GetProperty("current_status").GetString(), Is.EqualTo("running"));
        }
        Assert.That(await StateAsync(id), Is.EqualTo(before), "no version, status or history moved");
        var got = await _harness.Client.GetAsync($"/v1/sandboxes/{id}");
        Assert.That(got.Headers.ETag!.ToString(), Is.EqualTo(current), "nor the time to live");
    }

    [Test]
    public async Task A_change_with_the_current_ETag_or_a_star_applies()
    {
        var (id, etag) = await RunningAsync();

        var paused = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, ifMatch: etag);
        Assert.That(paused.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(paused.Headers.ETag!.ToString(), Is.Not.EqualTo(etag));
        await _harness.WaitForStatusAsync(id, "paused");
        var resumed = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/resume", null, ifMatch: "*");
        Assert.That(resumed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var missing = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{Guid.CreateVersion7()}/pause", null, ifMatch: "*");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Of_two_writers_holding_one_ETag_exactly_one_wins()
    {
        for (var round = 0; round < 5; round++)
        {
            var (id, etag) = await RunningAsync();

            var answers = await Task.WhenAll(
                SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, ifMatch: etag),
                SendAsync(_harness.Client, HttpMethod.Delete, $"/v1/sandboxes/{id}", null, ifMatch: etag));

            Assert.That(answers.Select(a => a.StatusCode), Is.EquivalentTo(new[] { HttpStatusCode.Accepted, HttpStatusCode.PreconditionFailed }));
        }
    }

    [Test]
    public async Task A_GET_with_the_current_ETag_in_If_None_Match_is_a_304_without_a_body()
    {
        var (id, etag) = await RunningAsync();

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/sandboxes/{id}");
        conditional.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        var unchanged = await _harness.Client.SendAsync(conditional);
        Assert.That(unchanged.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(await unchanged.Content.ReadAsByteArrayAsync(), Is.Empty);
        Assert.That(unchanged.Headers.ETag!.ToString(), Is.EqualTo(etag));

        await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null);
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/v1/sandboxes/{id}");
        again.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        var changed = await _harness.Client.SendAsync(again);
        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(changed.Headers.ETag!.ToString(), Is.Not.EqualTo(etag));
    }

    [Test]
    public async Task An_If_Match_that_is_not_an_entity_tag_is_a_400()
    {
        var (id, _) = await RunningAsync();

        var answer = await SendAsync(_harness.Client, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", null, ifMatch: "version-3");

        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await BodyAsync(answer)).GetProperty("detail").GetString(), Does.Contain("If-Match"));
    }
}
