using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Lifecycle.Client;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// A seeded mix of client requests at a fixed arrival rate (open loop): creates (a third with a short
/// <c>timeout_sec</c> under either <c>on_timeout</c>, some with a <c>max_lifetime_sec</c>, so hosts and the evictor end
/// them), pauses, resumes, destroys, connects, timeout changes, waits, reads, and VM crashes through the simulator.
/// The team runs under a quota of <see cref="ActiveQuota"/> active sandboxes, below what the load would hold. One request at a time per sandbox, so "the last accepted request"
/// of a sandbox is well defined. Every request and its answer goes to the <see cref="RunLog"/>.
/// Requests go through <see cref="LifecycleClient"/> with its retries off, so that every answer the server gives is logged
/// and counted (each POST and DELETE carries an Idempotency-Key of its own, as the client always sends one).
/// With several control planes, requests go to them round robin, and a refused connection is tried on
/// the next one, as a balancer does (nothing was sent, so it is always safe); nothing else is retried.
/// </summary>
public sealed class ChaosLoad(IChaosStack stack, RunLog log, Stopwatch clock, Random random, SimulatorAdmin admin)
{
    private readonly ConcurrentDictionary<Guid, Known> _known = new();
    private readonly ConcurrentDictionary<Guid, string> _hostNames = new();
    private readonly LifecycleClient[] _clients = [.. stack.Targets.Select(t => Client(t.Api))];
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

    /// <summary>The soak team's client of one control plane: every request sent once, given up after 20 s.</summary>
    public static LifecycleClient Client(Uri api) => new(new LifecycleClientOptions
    {
        BaseAddress = api,
        ApiKey = ChaosStack.TeamKey,
        MaxRetries = 0,
        AttemptTimeout = TimeSpan.FromSeconds(20),
    }, LoadGenerator.Handler(64));

    public async Task RunAsync(TimeSpan duration, double perSecond, CancellationToken stop)
    {
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
            < 38 => OnAsync("pause", s => s == "running", (client, id) => client.PauseAsync(id)),
            < 50 => OnAsync("resume", s => s == "paused", (client, id) => client.ResumeAsync(id)),
            < 64 => OnAsync("destroy", s => s is not "stopped", (client, id) => client.DestroyAsync(id)),
            < 74 => OnAsync("wait", s => s is "starting" or "resuming" or "running",
                (client, id) => client.WaitAsync(id, SandboxStatus.Running, TimeSpan.FromSeconds(5))),
            < 79 => CrashAsync(),
            < 87 => OnAsync("connect", s => s is "running" or "paused", (client, id) => client.ConnectAsync(id)),
            < 91 => OnAsync("timeout", s => s == "running", (client, id) => client.SetTimeoutAsync(id, ShortOrLong())),
            _ => OnAsync("get", _ => true, (client, id) => client.GetAsync(id)),
        };
    }

    private Task CreateAsync()
    {
        var timeout = ShortOrLong();
        OnTimeout policy;
        int? lifetime;
        lock (random)
        {
            policy = random.Next(2) == 0 ? OnTimeout.Pause : OnTimeout.Destroy;
            // One in eight lives at most a minute, whatever extends it.
            lifetime = random.Next(8) == 0 ? random.Next(15, 60) : null;
        }
        var body = new CreateSandboxRequest { Template = "base", Vcpus = 1, MemoryMb = 256, TimeoutSec = timeout, OnTimeout = policy, MaxLifetimeSec = lifetime };
        return SendAsync("create", null, client => client.CreateAsync(body));
    }

    /// <summary>A third expire within seconds (on their host, or by the evictor); the rest live as long as the run.</summary>
    private int ShortOrLong()
    {
        lock (random)
        {
            return random.Next(3) == 0 ? random.Next(3, 10) : 3600;
        }
    }

    private async Task OnAsync(string op, Func<string, bool> fits, Func<LifecycleClient, Guid, Task<Sandbox>> send)
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

    /// <summary>
    /// Sends one request and logs it with its answer: the code (a sandbox answer is 202 or 200, as <see cref="Sandbox.Accepted"/>
    /// says), the status it shows (a problem's <c>current_status</c>), its version, <c>Retry-After</c> and problem title, or the
    /// transport error when no answer came.
    /// </summary>
    private async Task SendAsync(string op, Guid? id, Func<LifecycleClient, Task<Sandbox>> send)
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
            Sandbox? answer = null;
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
            code = answer.Accepted ? 202 : 200;
            id ??= answer.Id;
            status = answer.Status.ToWire();
            version = answer.Version;
            Remember(answer.Id, status, answer.HostId);
        }
        catch (LifecycleApiException e)
        {
            code = (int)e.StatusCode;
            status = e.CurrentStatus?.ToWire();
            problem = e.Title;
            retryAfter = e.RetryAfter is { } wait ? ((long)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture) : null;
            if (id is { } known && status is not null && code < 500 && code != 404)
            {
                Remember(known, status, null);
            }
        }
        catch (HttpRequestException e)
        {
            error = e.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : e.HttpRequestError.ToString();
        }
        catch (TimeoutException)
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

    private void Remember(Guid id, string status, Guid? hostId)
    {
        var entry = _known.GetOrAdd(id, _ => new Known());
        entry.Status = status;
        if (hostId is not null)
        {
            entry.HostId = hostId;
        }
    }
}
