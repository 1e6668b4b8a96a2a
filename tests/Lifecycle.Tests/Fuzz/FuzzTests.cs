using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Lifecycle.Tests.Fuzz;

/// <summary>
/// Thousands of hostile requests at every endpoint: none may answer 5xx, every error must be
/// problem+json, and no rejected request may change the database or the stream.
/// </summary>
public sealed class FuzzTests
{
    private const int Requests = 5_000;

    /// <summary>Everything a request could change, in one string; heartbeat times left out (hosts beat on their own).</summary>
    private const string FingerprintSql = """
        SELECT concat_ws('|',
            (SELECT count(*) FROM sandboxes), (SELECT coalesce(sum(version), 0) FROM sandboxes),
            (SELECT string_agg(status, ',' ORDER BY id) FROM sandboxes),
            (SELECT count(*) FROM sandbox_transitions), (SELECT count(*) FROM teams),
            (SELECT count(*) FROM api_keys), (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL),
            (SELECT string_agg(id::text || status, ',' ORDER BY id) FROM hosts), (SELECT count(*) FROM host_reports))
        """;

    [Test]
    public async Task No_request_gets_a_5xx_every_error_is_a_problem_and_no_rejected_one_changes_anything()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var seed = Environment.TickCount;
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var other = await (await admin.PostAsJsonAsync("/v1/teams", new { name = "other" })).Content.ReadFromJsonAsync<JsonElement>();
        var otherKey = other.GetProperty("api_key").GetProperty("key").GetString()!;
        using var otherClient = harness.ClientWithKey(otherKey);
        var sandbox = await CreateAsync(harness.Client);
        var othersSandbox = await CreateAsync(otherClient);
        var host = harness.Fleet.Hosts[0];
        var generator = new RequestGenerator(new Random(seed),
            new RequestGenerator.Credentials(ControlPlaneHarness.ApiKey, otherKey, ControlPlaneHarness.AdminKey, host.Token!),
            new RequestGenerator.Ids(sandbox, othersSandbox, host.HostId!.ToString()!, other.GetProperty("id").GetString()!));
        using var http = new HttpClient { BaseAddress = harness.BaseAddress };
        await SettleAsync(harness);
        var before = await FingerprintAsync(harness);
        var seen = new SortedDictionary<int, int>();

        for (var i = 0; i < Requests; i++)
        {
            var request = generator.Next();
            var context = $"seed {seed}, request {i}: {request}";
            HttpResponseMessage response;
            try
            {
                response = await SendAsync(http, request);
            }
            catch (HttpRequestException) when (request.Body?.Length > ControlPlane.Extensions.MaxRequestBodyBytes)
            {
                // Kestrel answers 413 and closes the connection while the client is still sending, so the
                // client may see the connection end instead of the answer. Nothing may have changed.
                seen[413] = seen.GetValueOrDefault(413) + 1;
                Assert.That(await FingerprintAsync(harness), Is.EqualTo(before), $"{context} was too large but changed something");
                continue;
            }
            catch (HttpRequestException ex)
            {
                Assert.Fail($"{context}: the connection failed: {ex.Message} {ex.InnerException?.Message}");
                throw;
            }
            using var _ = response;
            var status = (int)response.StatusCode;
            seen[status] = seen.GetValueOrDefault(status) + 1;

            // The harness runs no HostMonitor, so a well-formed reconcile request is told, truthfully, that no owner of hosts took it.
            var noOwner = status == 503 && request.Path == "/v1/reconcile";
            Assert.That(status < 500 || noOwner, Is.True, $"{context} answered {status}: {await response.Content.ReadAsStringAsync()}");
            if (status >= 400)
            {
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), $"{context} answered {status}");
                Assert.That(await FingerprintAsync(harness), Is.EqualTo(before), $"{context} was refused ({status}) but changed something");
            }
            else if (request.Method != HttpMethod.Get)
            {
                // Accepted: what it started is let finish, and the result becomes the new baseline.
                await SettleAsync(harness);
                before = await FingerprintAsync(harness);
            }
        }

        TestContext.Out.WriteLine($"fuzz: {Requests:N0} requests (seed {seed}); status codes: {string.Join(", ", seen.Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.That(seen.Keys, Has.Some.InRange(400, 499), "the generator produced rejections");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, RequestGenerator.FuzzRequest request)
    {
        using var message = new HttpRequestMessage(request.Method, request.Path);
        if (request.Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", request.Authorization);
        }
        if (request.Body is not null)
        {
            // As a careful client does: the body goes only once the server wants it. An endpoint that
            // answers without reading it (401, 415, 405) then never has the connection torn down under
            // a body still being sent.
            message.Headers.ExpectContinue = true;
            message.Content = new ByteArrayContent(request.Body);
            if (!string.IsNullOrEmpty(request.ContentType) && MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
            {
                message.Content.Headers.ContentType = type;
            }
        }
        return await http.SendAsync(message);
    }

    private static async Task<string> FingerprintAsync(ControlPlaneHarness harness)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        var database = await conn.ExecuteScalarAsync<string>(FingerprintSql);
        return $"{database}|{await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).Events)}|{await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).DeadLetters)}";
    }

    /// <summary>Until the consumer is idle, no sandbox is transient, and nothing changes for a moment.</summary>
    private static async Task SettleAsync(ControlPlaneHarness harness)
    {
        string? last = null;
        await Eventually.TrueAsync(async () =>
        {
            await harness.WaitForConsumerIdleAsync(TimeSpan.FromSeconds(20));
            await using var conn = harness.Database.DataSource.CreateConnection();
            var transient = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandboxes WHERE status IN ('starting', 'pausing', 'resuming', 'stopping')");
            var now = await FingerprintAsync(harness);
            var settled = transient == 0 && now == last;
            last = now;
            return settled;
        }, TimeSpan.FromSeconds(20), "the control plane settles after an accepted request", TimeSpan.FromMilliseconds(100));
    }

    private static async Task<string> CreateAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
