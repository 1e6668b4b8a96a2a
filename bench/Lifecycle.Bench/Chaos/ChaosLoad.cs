using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// A seeded mix of client requests at a fixed arrival rate (open loop): creates (a third with a short
/// <c>timeout_sec</c> under either <c>on_timeout</c>, some with a <c>max_lifetime_sec</c>, so hosts and the evictor end
/// them), pauses, resumes, destroys, connects, timeout changes, waits, reads, and VM crashes through the simulator.
/// The team runs under a quota of <see cref="ActiveQuota"/> active sandboxes, below what the load would hold. One request at a time per sandbox, so "the last accepted request"
/// of a sandbox is well defined. Every request and its answer goes to the <see cref="RunLog"/>.
/// With several control planes, requests go to them round robin, and a refused connection is tried on
/// the next one, as a balancer does (nothing was sent, so it is always safe); nothing else is retried.
/// </summary>
public sealed class ChaosLoad(IChaosStack stack, RunLog log, Stopwatch clock, Random random, SimulatorAdmin admin)
{
    private readonly ConcurrentDictionary<Guid, Known> _known = new();
    private readonly ConcurrentDictionary<Guid, string> _hostNames = new();
    private readonly HttpClient[] _clients = [.. stack.Targets.Select(t => LoadGenerator.Client(t.Api, 64, ChaosStack.TeamKey))];
    private long _next = -1;
    private const int TargetLive = 60;

    /// <summary>The soak team's <c>max_active_sandboxes</c>: below <see cref="TargetLive"/>, so creates and resumes meet it.</summary>
    public const int ActiveQuota = 40;

    /// <summary>What the client last heard of a sandbox; <see cref="Busy"/> is 1 while a request on it is out.</summary>
    private sealed class Known
    {
        public string Status = "starting";
        public Guid? HostId;
        public int Busy;
    }

    public IReadOnlyCollection<Guid> Sandboxes => (IReadOnlyCollection<Guid>)_known.Keys;

    public async Task RunAsync(TimeSpan duration, double perSecond, CancellationToken stop)
    {
        foreach (var client in _clients)
        {
            client.Timeout = TimeSpan.FromSeconds(20);
        }
        var inFlight = new List<Task>();
        var start = clock.Elapsed;
        for (var i = 0; ; i++)
        {
            var due = start + TimeSpan.FromSeconds(i / perSecond);
            if (due - start >= duration || stop.IsCancellationRequested)
            {
                break;
            }
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, CancellationToken.None);
            }
            await RefreshHostNamesAsync(i);
            inFlight.Add(Task.Run(NextAsync, CancellationToken.None));
            inFlight.RemoveAll(t => t.IsCompleted);
        }
        await Task.WhenAll(inFlight);
    }

    private async Task RefreshHostNamesAsync(int i)
    {
        if (i % 50 != 0)
        {
            return;
        }
        foreach (var host in await admin.HostsAsync() ?? [])
        {
            if (host.HostId is { } id)
            {
                _hostNames[id] = host.Name;
            }
        }
    }

    private Task NextAsync()
    {
        int roll;
        lock (random)
        {
            roll = random.Next(100);
        }
        var live = _known.Count(k => k.Value.Status is not ("stopped" or "error"));
        return roll switch
        {
            < 25 when live < TargetLive => CreateAsync(),
            < 38 => OnAsync("pause", s => s == "running", (http, id) => http.PostAsync(new Uri($"/v1/sandboxes/{id}/pause", UriKind.Relative), null)),
            < 50 => OnAsync("resume", s => s == "paused", (http, id) => http.PostAsync(new Uri($"/v1/sandboxes/{id}/resume", UriKind.Relative), null)),
            < 64 => OnAsync("destroy", s => s is not "stopped", (http, id) => http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative))),
            < 74 => OnAsync("wait", s => s is "starting" or "resuming" or "running",
                (http, id) => http.GetAsync(new Uri($"/v1/sandboxes/{id}/wait?status=running&timeout=5s", UriKind.Relative))),
            < 79 => CrashAsync(),
            < 87 => OnAsync("connect", s => s is "running" or "paused",
                (http, id) => http.PostAsync(new Uri($"/v1/sandboxes/{id}/connect", UriKind.Relative), null)),
            < 91 => OnAsync("timeout", s => s == "running",
                (http, id) => http.PostAsJsonAsync(new Uri($"/v1/sandboxes/{id}/timeout", UriKind.Relative), new { timeout_sec = ShortOrLong() })),
            _ => OnAsync("get", _ => true, (http, id) => http.GetAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative))),
        };
    }

    private Task CreateAsync()
    {
        var timeout = ShortOrLong();
        string policy;
        int? lifetime;
        lock (random)
        {
            policy = random.Next(2) == 0 ? "pause" : "destroy";
            // One in eight lives at most a minute, whatever extends it.
            lifetime = random.Next(8) == 0 ? random.Next(15, 60) : null;
        }
        var body = new { template = "base", vcpus = 1, memory_mb = 256, timeout_sec = timeout, on_timeout = policy, max_lifetime_sec = lifetime };
        return SendAsync("create", null, http => http.PostAsJsonAsync(new Uri("/v1/sandboxes", UriKind.Relative), body));
    }

    /// <summary>A third expire within seconds (on their host, or by the evictor); the rest live as long as the run.</summary>
    private int ShortOrLong()
    {
        lock (random)
        {
            return random.Next(3) == 0 ? random.Next(3, 10) : 3600;
        }
    }

    private async Task OnAsync(string op, Func<string, bool> fits, Func<HttpClient, Guid, Task<HttpResponseMessage>> send)
    {
        if (Claim(fits) is not { } id)
        {
            await CreateAsync();
            return;
        }
        try
        {
            await SendAsync(op, id, http => send(http, id));
        }
        finally
        {
            Volatile.Write(ref _known[id].Busy, 0);
        }
    }

    /// <summary>A VM crash: the host drops it and reports the exit by callback. Logged like a request.</summary>
    private async Task CrashAsync()
    {
        if (Claim(s => s == "running") is not { } id)
        {
            return;
        }
        try
        {
            var known = _known[id];
            if (known.HostId is not { } hostId || !_hostNames.TryGetValue(hostId, out var host))
            {
                return;
            }
            var seq = log.NextSeq();
            var sent = clock.Elapsed.TotalMilliseconds;
            string? error = null;
            int? code = null;
            try
            {
                code = await admin.ExitAsync(host, id) ? 204 : 404;
            }
            catch (HttpRequestException e)
            {
                error = e.Message;
            }
            var target = stack.Targets[0];
            log.Add(new RequestRecord(seq, "crash", id, sent, clock.Elapsed.TotalMilliseconds, code, null, null, error, null, null,
                target.Generation, target.Up, target.Up, target.Generation));
        }
        finally
        {
            Volatile.Write(ref _known[id].Busy, 0);
        }
    }

    private Guid? Claim(Func<string, bool> fits)
    {
        var candidates = _known.Where(k => Volatile.Read(ref k.Value.Busy) == 0 && fits(k.Value.Status)).Select(k => k.Key).ToList();
        while (candidates.Count > 0)
        {
            int pick;
            lock (random)
            {
                pick = random.Next(candidates.Count);
            }
            var id = candidates[pick];
            if (Interlocked.CompareExchange(ref _known[id].Busy, 1, 0) == 0)
            {
                return id;
            }
            candidates.RemoveAt(pick);
        }
        return null;
    }

    private async Task SendAsync(string op, Guid? id, Func<HttpClient, Task<HttpResponseMessage>> send)
    {
        var seq = log.NextSeq();
        var targets = stack.Targets;
        var first = targets.Count == 1 ? 0 : (int)(Interlocked.Increment(ref _next) % targets.Count);
        var target = targets[first];
        var generation = target.Generation;
        var up = target.Up;
        var sent = clock.Elapsed.TotalMilliseconds;
        int? code = null;
        string? status = null, error = null, retryAfter = null, problem = null;
        long? version = null;
        try
        {
            HttpResponseMessage? answer = null;
            for (var attempt = 0; answer is null; attempt++)
            {
                var index = (first + attempt) % targets.Count;
                target = targets[index];
                generation = target.Generation;
                up = target.Up;
                try
                {
                    answer = await send(_clients[index]);
                }
                catch (HttpRequestException e) when (attempt + 1 < targets.Count && e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                }
            }
            using var response = answer;
            code = (int)response.StatusCode;
            retryAfter = response.Headers.RetryAfter?.ToString();
            var text = await response.Content.ReadAsStringAsync();
            if (text.StartsWith('{'))
            {
                using var json = JsonDocument.Parse(text);
                var root = json.RootElement;
                if (root.TryGetProperty("id", out var idProperty) && idProperty.TryGetGuid(out var answered))
                {
                    id ??= answered;
                }
                status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()
                    : root.TryGetProperty("current_status", out var c) ? c.GetString() : null;
                problem = code >= 400 && root.TryGetProperty("title", out var t) ? t.GetString() : null;
                version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
                if (id is { } known && status is not null && code < 500 && code != 404)
                {
                    var entry = _known.GetOrAdd(known, _ => new Known());
                    entry.Status = status;
                    if (root.TryGetProperty("host_id", out var h) && h.ValueKind == JsonValueKind.String)
                    {
                        entry.HostId = h.GetGuid();
                    }
                }
            }
        }
        catch (HttpRequestException e)
        {
            error = e.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : e.HttpRequestError.ToString();
        }
        catch (TaskCanceledException)
        {
            error = "timeout";
        }
        catch (JsonException e)
        {
            error = "unreadable body: " + e.Message;
        }
        log.Add(new RequestRecord(seq, op, id, sent, clock.Elapsed.TotalMilliseconds, code, status, version, error, retryAfter, problem,
            generation, up, target.Up, target.Generation, targets.Count == 1 ? null : target.Name));
    }
}
