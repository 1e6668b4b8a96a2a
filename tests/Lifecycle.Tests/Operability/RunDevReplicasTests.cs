using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Tests.Docs;

namespace Lifecycle.Tests.Operability;

/// <summary>
/// <c>LIFECYCLE_REPLICAS=3 LIFECYCLE_REDIS_MODE=cluster make run</c>: three control-plane replicas behind
/// HAProxy on a six-node Redis Cluster. The README's walk-through, run as written, answers as it says
/// through the balancer; a replica killed with SIGKILL costs no request sent after it died, and comes
/// back alone; SIGTERM to the script stops every process it started, HAProxy and the cluster's nodes included.
/// </summary>
[Category("Cluster")]
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class RunDevReplicasTests
{
    private const int Replicas = 3;
    private const string TeamKey = "Bearer dev-key";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan FailoverDeadline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RestartDeadline = TimeSpan.FromSeconds(60);

    private RunDevScript _run = null!;
    private HttpClient _http = null!;

    [SetUp]
    public void Start()
    {
        _run = RunDevScript.Start(
            new Dictionary<string, string>
            {
                ["LIFECYCLE_REPLICAS"] = "3",
                ["LIFECYCLE_REDIS_MODE"] = "cluster",
                ["LIFECYCLE_SIM_HOST_VCPUS"] = "24",
                ["LIFECYCLE_SIM_HOST_MEMORY_MB"] = "49152",
            },
            httpPorts: 1 + Replicas,
            redisPort: LocalRedisCluster.FreeNodePorts());
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_run.HttpPort}"), Timeout = TimeSpan.FromSeconds(40) };
        _http.DefaultRequestHeaders.Add("Authorization", TeamKey);
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        var output = string.Join('\n', _run.Output);
        await _run.DisposeAsync();
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine(output);
        }
    }

    /// <summary>The simulated hosts report the capacity <c>LIFECYCLE_SIM_HOST_*</c> gave them, as the admin API shows it.</summary>
    private async Task AssertHostsReportAsync(int vcpus, int memoryMb)
    {
        using var admin = new HttpClient { BaseAddress = _http.BaseAddress, Timeout = _http.Timeout };
        admin.DefaultRequestHeaders.Add("Authorization", "Bearer dev-admin-key");
        var hosts = (await admin.GetFromJsonAsync<JsonElement>("/v1/hosts")).GetProperty("hosts").EnumerateArray()
            .Where(h => h.GetProperty("status").GetString() != "decommissioned").ToList();
        Assert.That(hosts, Has.Count.EqualTo(3));
        Assert.That(hosts.Select(h => (h.GetProperty("capacity").GetProperty("vcpus").GetInt32(), h.GetProperty("capacity").GetProperty("memory_mb").GetInt32())),
            Has.All.EqualTo((vcpus, memoryMb)));
    }

    [Test]
    public async Task Three_replicas_on_a_cluster_serve_the_walk_through_and_a_killed_one_costs_no_request()
    {
        await Eventually.TrueAsync(() => _run.Printed("Lifecycle is running"), StartDeadline, "the banner");
        var replicas = Enumerable.Range(1, Replicas).ToDictionary(i => i, i => _run.ReadPid($"replicas/replica-{i}")
            ?? throw new AssertionException($"no replicas/replica-{i}.pid in {_run.StateDir}"));
        Assert.That(replicas.Values, Has.All.Matches<int>(RunDevScript.IsRunning), "every replica runs");
        Assert.That(_run.ReadPid("haproxy") is { } haproxy && RunDevScript.IsRunning(haproxy), Is.True, "haproxy runs");
        Assert.That(await File.ReadAllTextAsync(Path.Combine(_run.StateDir, "replicas", "replica-2.url")),
            Is.EqualTo($"http://127.0.0.1:{_run.HttpPort + 2}\n"));
        var settings = await File.ReadAllTextAsync(Path.Combine(_run.StateDir, "lifecycle.json"));
        Assert.That(settings, Does.Contain("\"Partitions\": 16"));
        Assert.That(settings.Split(',').Count(part => part.Contains("127.0.0.1:", StringComparison.Ordinal)), Is.EqualTo(6), "six nodes");

        // The README's walk-through as written, through the balancer: every command answers as its comment says.
        var failures = await WalkthroughRun.WalkAsync(await WalkthroughRun.StepsAsync(), _run);
        Assert.That(failures, Is.Empty, string.Join("\n\n", failures));
        await AssertHostsReportAsync(vcpus: 24, memoryMb: 49_152);
        using var created = await _http.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await RunDevScript.SignalAsync(replicas[2], "KILL");

        // Right after the kill, before any health check has noticed: HAProxy retries on another replica.
        // The attempts are written out: more than one would mean a client saw an error.
        var answers = new List<HttpStatusCode?>();
        await Eventually.TrueAsync(async () => Kept(answers, await AnswersAsync(HttpMethod.Get, $"/v1/sandboxes/{id}")) == HttpStatusCode.OK,
            FailoverDeadline, "a GET through the balancer answers 200 after a replica was killed");
        var key = Guid.NewGuid().ToString();
        await Eventually.TrueAsync(async () => Kept(answers, await AnswersAsync(HttpMethod.Post, "/v1/sandboxes", key)) == HttpStatusCode.Accepted,
            FailoverDeadline, "a create through the balancer answers 202 after a replica was killed");
        TestContext.Out.WriteLine($"answers after the kill: {string.Join(", ", answers.Select(a => a?.ToString() ?? "no connection"))}");

        await Eventually.TrueAsync(async () => _run.ReadPid("replicas/replica-2") is { } pid && pid != replicas[2] && await HealthyAsync(_run.HttpPort + 2),
            RestartDeadline, "replica-2 restarted and healthy");
        Assert.That(_run.ReadPid("replicas/replica-1"), Is.EqualTo(replicas[1]), "replica-1 left alone");
        Assert.That(_run.ReadPid("replicas/replica-3"), Is.EqualTo(replicas[3]), "replica-3 left alone");
        Assert.That(await File.ReadAllTextAsync(Path.Combine(_run.StateDir, "supervisor.log")),
            Does.Contain("control plane replica-2 exited with status 137; restarting"));

        var running = _run.AllPids();
        Assert.That(running.Keys, Has.Some.StartsWith("redis-cluster"), "the cluster's nodes have pid files");
        Assert.That(await _run.TerminateAsync(), Is.True, "the script ends on SIGTERM");
        Assert.That(running.Where(pair => RunDevScript.IsRunning(pair.Value)).Select(pair => pair.Key), Is.Empty, "every process stopped");
    }

    /// <summary>The status of the answer, or null when the connection failed: what a client would see.</summary>
    [Test]
    public async Task Fifty_concurrent_creates_against_a_quota_of_ten_through_three_replicas_accept_exactly_ten()
    {
        await Eventually.TrueAsync(() => _run.Printed("Lifecycle is running"), StartDeadline, "the banner");
        using var admin = new HttpClient { BaseAddress = _http.BaseAddress, Timeout = _http.Timeout };
        admin.DefaultRequestHeaders.Add("Authorization", "Bearer dev-admin-key");
        var created = await (await admin.PostAsJsonAsync("/v1/teams", new { name = $"quota-{Guid.NewGuid():N}" })).Content.ReadFromJsonAsync<JsonElement>();
        var teamId = created.GetProperty("id").GetString();
        using var team = new HttpClient { BaseAddress = _http.BaseAddress, Timeout = _http.Timeout };
        team.DefaultRequestHeaders.Add("Authorization", $"Bearer {created.GetProperty("api_key").GetProperty("key").GetString()}");
        using var quota = new StringContent("""{"max_active_sandboxes": 10}""", System.Text.Encoding.UTF8, "application/json");
        Assert.That((await admin.PutAsync($"/v1/teams/{teamId}/quotas", quota)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await team.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (response.StatusCode, Id: body.TryGetProperty("id", out var id) ? id.GetString() : null,
                Quota: body.TryGetProperty("quota", out var name) ? name.GetString() : null);
        }));

        var accepted = answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).Select(a => a.Id!).ToList();
        Assert.That(accepted, Has.Count.EqualTo(10));
        Assert.That(answers.Where(a => a.StatusCode != HttpStatusCode.Accepted).Select(a => (a.StatusCode, a.Quota)),
            Is.EqualTo(Enumerable.Repeat((HttpStatusCode.TooManyRequests, (string?)"max_active_sandboxes"), 40)));
        Assert.That(await ActiveInUseAsync(team), Is.EqualTo(10));
        foreach (var id in accepted)
        {
            Assert.That((await team.DeleteAsync($"/v1/sandboxes/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }
        foreach (var id in accepted)
        {
            Assert.That((await team.GetAsync($"/v1/sandboxes/{id}/wait?status=stopped&timeout=30s")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        Assert.That(await ActiveInUseAsync(team), Is.EqualTo(0));
    }

    private static async Task<long> ActiveInUseAsync(HttpClient team) =>
        (await team.GetFromJsonAsync<JsonElement>("/v1/quota")).GetProperty("quotas").EnumerateArray()
            .Single(line => line.GetProperty("quota").GetString() == "max_active_sandboxes").GetProperty("in_use").GetInt64();

    private async Task<HttpStatusCode?> AnswersAsync(HttpMethod method, string path, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(new { template = "base" });
        }
        if (idempotencyKey is not null)
        {
            // A replayed create with the same key answers the same sandbox, so the balancer may retry it.
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        try
        {
            using var answer = await _http.SendAsync(request);
            return answer.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static HttpStatusCode? Kept(List<HttpStatusCode?> answers, HttpStatusCode? answer)
    {
        answers.Add(answer);
        return answer;
    }

    private static async Task<bool> HealthyAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var answer = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
            return answer.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }
}
