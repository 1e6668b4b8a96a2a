using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using StackExchange.Redis;

namespace Lifecycle.Tests.Outbox;

/// <summary>
/// Redis away for 20 s under a create, pause and destroy load, in each way it goes away in production: memory full
/// (maxmemory under noeviction: writes refused), killed (SIGKILL, then started again) and frozen (SIGSTOP, then
/// SIGCONT). Every request is answered as the contract says (202, or 409 for a sandbox not yet running), never 503 or
/// another 5xx; every sandbox settles within 10 s of Redis taking writes again, through the stream (no event of the
/// HostMonitor's), and the outbox is empty afterwards.
/// </summary>
[Category(TestLanes.Processes)]
public sealed class RedisOutageUnderLoadTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(10);

    public enum Fault
    {
        MemoryFull,
        Killed,
        Frozen,
    }

    [TestCase(Fault.MemoryFull)]
    [TestCase(Fault.Killed)]
    [TestCase(Fault.Frozen)]
    public async Task Requests_are_accepted_through_the_outage_and_every_sandbox_settles_soon_after(Fault fault)
    {
        await using var servers = await LocalServers.StartAsync();
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres),
            redis: servers.Redis, hosts: 2, settings: new Dictionary<string, string?> { ["Lifecycle:HostMonitor:Enabled"] = "true" });
        var seeded = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            seeded.Add(await harness.CreateRunningAsync());
        }
        await harness.WaitForConsumerIdleAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync($"{servers.Redis},allowAdmin=true");

        await BeginAsync(fault, servers, admin);
        var outageEnds = Stopwatch.StartNew();
        var answers = new List<(string Request, HttpStatusCode Status, string Body)>();
        var created = new List<string>();
        var step = 0;
        while (outageEnds.Elapsed < Outage)
        {
            var (request, response) = (step % 4) switch
            {
                0 or 2 => ("create", await SendAsync(harness.Client, HttpMethod.Post, "/v1/sandboxes", new { template = "base" })),
                1 when step / 4 < 6 => ("pause", await SendAsync(harness.Client, HttpMethod.Post, $"/v1/sandboxes/{seeded[step / 4]}/pause", null)),
                3 when step / 4 < 6 => ("destroy", await SendAsync(harness.Client, HttpMethod.Delete, $"/v1/sandboxes/{seeded[6 + step / 4]}", null)),
                _ => ("get", await SendAsync(harness.Client, HttpMethod.Get, $"/v1/sandboxes/{seeded[0]}", null)),
            };
            var body = await response.Content.ReadAsStringAsync();
            answers.Add((request, response.StatusCode, body));
            if (request == "create" && response.StatusCode == HttpStatusCode.Accepted)
            {
                created.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!);
            }
            response.Dispose();
            step++;
            await Task.Delay(250);
        }
        await EndAsync(fault, servers, admin);
        var settling = Stopwatch.StartNew();

        Assert.Multiple(() =>
        {
            Assert.That(answers.Where(a => (int)a.Status >= 500), Is.Empty, "no 5xx while only Redis is away");
            Assert.That(answers.Where(a => a.Status is not (HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.Conflict)), Is.Empty,
                "202, 200, or 409 for an operation the sandbox's state refuses");
            Assert.That(created, Has.Count.GreaterThan(10), "creates were accepted during the outage");
        });
        var everyone = seeded.Concat(created).ToList();
        await Eventually.TrueAsync(async () => (await UnsettledAsync(harness, everyone)).Count == 0, SettleBound + TimeSpan.FromSeconds(20),
            "every sandbox settles", TimeSpan.FromMilliseconds(50));
        var settledIn = settling.Elapsed;
        await using var conn = harness.Database.DataSource.CreateConnection();
        var byMonitor = await conn.QueryAsync<string>(
            "SELECT sandbox_id::text || ' ' || type FROM sandbox_transitions WHERE actor = @Monitor AND sandbox_id = ANY(@Ids)",
            new { Monitor = Lifecycle.Contract.Events.Actors.HostMonitor, Ids = everyone.Select(Guid.Parse).ToArray() });
        await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM event_outbox") == 0,
            TimeSpan.FromSeconds(10), "the outbox empties", TimeSpan.FromMilliseconds(50));
        Assert.Multiple(() =>
        {
            Assert.That(settledIn, Is.LessThanOrEqualTo(SettleBound), $"every sandbox settled {settledIn.TotalSeconds:F1} s after Redis took writes again");
            Assert.That(byMonitor, Is.Empty, "settled through the stream, none by the HostMonitor");
        });
        TestContext.Out.WriteLine($"{fault}: {answers.Count} requests, {created.Count} creates, settled {settledIn.TotalSeconds:F1} s after Redis returned");
    }

    private static async Task BeginAsync(Fault fault, LocalServers servers, ConnectionMultiplexer admin)
    {
        switch (fault)
        {
            case Fault.MemoryFull:
                var server = admin.GetServers()[0];
                await server.ConfigSetAsync("maxmemory-policy", "noeviction");
                // Any limit below what it uses: every write is refused (OOM), reads still answer.
                await server.ConfigSetAsync("maxmemory", "1");
                var refused = Assert.ThrowsAsync<RedisServerException>(() => admin.GetDatabase().StreamAddAsync("outbox-test:probe", "f", "v"));
                Assert.That(refused!.Message, Does.StartWith("OOM"), "Redis refuses writes");
                break;
            case Fault.Killed:
                await servers.CrashAsync("redis");
                break;
            case Fault.Frozen:
                await servers.FreezeRedisAsync();
                break;
        }
    }

    private static async Task EndAsync(Fault fault, LocalServers servers, ConnectionMultiplexer admin)
    {
        switch (fault)
        {
            case Fault.MemoryFull:
                await admin.GetServers()[0].ConfigSetAsync("maxmemory", "0");
                break;
            case Fault.Killed:
                await servers.StartAgainAsync();
                break;
            case Fault.Frozen:
                await servers.ThawRedisAsync();
                break;
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        if (method != HttpMethod.Get)
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        }
        return await client.SendAsync(request);
    }

    private static async Task<List<string>> UnsettledAsync(ControlPlaneHarness harness, IReadOnlyList<string> ids)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<string>(
            "SELECT id::text || ' ' || status FROM sandboxes WHERE id = ANY(@Ids) AND status NOT IN ('running', 'paused', 'stopped')",
            new { Ids = ids.Select(Guid.Parse).ToArray() })];
    }
}
