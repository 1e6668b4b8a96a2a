using System.Net;
using System.Text;
using Lifecycle.Client;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Client;

/// <summary>What the client puts on the wire and how it reads odd answers, with no server behind it.</summary>
public sealed class ClientWireTests
{
    private static readonly LifecycleClientOptions Nowhere = new() { BaseAddress = new Uri("http://127.0.0.1:9"), ApiKey = "lck_test", MaxRetries = 0 };

    [Test]
    public async Task A_filter_is_sent_as_the_query_the_API_reads()
    {
        using var transport = new ScriptedTransport { AnswerFirst = [() => Json(HttpStatusCode.OK, """{"sandboxes":[],"next_cursor":null}""")] };
        using var client = new LifecycleClient(Nowhere, transport);

        await client.ListAsync(new SandboxFilter
        {
            Statuses = [SandboxStatus.Running, SandboxStatus.Paused],
            Template = "base",
            Metadata = new Dictionary<string, string> { ["team name"] = "a&b" },
            CreatedAfter = new DateTimeOffset(2026, 12, 7, 4, 28, 49, 123, TimeSpan.FromHours(1)),
            Limit = 20,
        }, cursor: "c1");

        Assert.That(transport.Attempts.Single().Path, Is.EqualTo(
            "/v1/sandboxes?status=running&status=paused&template=base&metadata.team%20name=a%26b&created_after=2026-12-07T03%3A28%3A49.123Z&limit=20&cursor=c1"));
    }

    [Test]
    public async Task Every_post_and_delete_carries_a_key_and_a_get_none()
    {
        var sandbox = """{"id":"01a24e97-56b6-7d8c-9a55-80f5e56dedb1","host_id":null,"status":"starting","version":1,"template":"base","vcpus":1,"memory_mb":512,"timeout_sec":300,"metadata":{},"last_error":null,"operation_deadline":null,"created_at":"2026-12-07T03:28:49.123Z","updated_at":"2026-12-07T03:28:49.123Z","started_at":null,"expires_at":null,"on_timeout":"pause","max_lifetime_sec":null,"stop_reason":null}""";
        using var transport = new ScriptedTransport { AnswerFirst = [.. Enumerable.Repeat(() => Json(HttpStatusCode.Accepted, sandbox), 3)] };
        using var client = new LifecycleClient(Nowhere, transport);
        var id = Guid.CreateVersion7();

        await client.CreateAsync(idempotencyKey: "mine");
        await client.DestroyAsync(id, ifMatch: "\"7.1\"");
        await client.GetAsync(id);

        Assert.That(transport.Attempts.Select(a => (a.Method.Method, a.IdempotencyKey is not null)),
            Is.EqualTo(new[] { ("POST", true), ("DELETE", true), ("GET", false) }));
        Assert.That(transport.Attempts[0].IdempotencyKey, Is.EqualTo("mine"));
    }

    [Test]
    public async Task An_answer_that_is_not_a_problem_keeps_its_status_and_reason()
    {
        using var transport = new ScriptedTransport
        {
            AnswerFirst = [() => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>", Encoding.UTF8, "text/html") }],
        };
        using var client = new LifecycleClient(Nowhere, transport);

        var problem = Assert.ThrowsAsync<LifecycleApiException>(() => client.GetQuotaAsync());

        Assert.That((problem!.StatusCode, problem.Title, problem.Type), Is.EqualTo((HttpStatusCode.BadGateway, "Bad Gateway", (string?)null)));
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
