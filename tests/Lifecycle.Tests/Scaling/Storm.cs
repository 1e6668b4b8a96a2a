using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Lifecycle.Tests.Scaling;

/// <summary>A request a replica answered 202: which sandbox, what was asked, which replica said yes, and when.</summary>
public sealed record AcceptedRequest(Guid SandboxId, string Op, string Replica, TimeSpan At);

/// <summary>
/// Clients taking sandboxes through their lives (create, pause, resume, destroy), each client one
/// sandbox at a time, their requests spread over the replicas in turn as a load balancer would: a
/// replica that refuses the connection (it is dead) is skipped for the next. Every 202 is recorded;
/// a request whose connection broke mid-way has no known answer and is only counted.
/// </summary>
public sealed class Storm(ReplicaDeployment deployment, IEnumerable<string> replicas)
{
    private static readonly TimeSpan StableWait = TimeSpan.FromSeconds(3);

    private readonly ConcurrentQueue<AcceptedRequest> _accepted = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string[] _targets = [.. replicas];
    private int _turn;
    private int _unanswered;

    public IReadOnlyCollection<AcceptedRequest> Accepted => _accepted;

    public int Unanswered => _unanswered;

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>A replica joins the load balancer's rotation.</summary>
    public void Add(string replica) => _targets = [.. _targets, replica];

    /// <summary>Runs <paramref name="clients"/> clients until <paramref name="stop"/> fires; each finishes the request it has out.</summary>
    public Task RunAsync(int clients, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(() => ClientAsync(stop), CancellationToken.None)));

    private async Task ClientAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (await SendAsync(null, "create", client => client.PostAsJsonAsync(new Uri("/v1/sandboxes", UriKind.Relative), new { template = "base" })) is not { } id)
            {
                continue;
            }
            foreach (var (op, want) in new[] { ("pause", "paused"), ("resume", "running"), ("destroy", "stopped") })
            {
                // A sandbox left transient (its replica died under it) is the HostMonitor's to settle: move on.
                if (stop.IsCancellationRequested || !await BecomesStableAsync(id))
                {
                    break;
                }
                var sent = await SendAsync(id, op, client => op == "destroy"
                    ? client.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative))
                    : client.PostAsync(new Uri($"/v1/sandboxes/{id}/{op}", UriKind.Relative), null));
                if (sent is null)
                {
                    break;
                }
            }
        }
    }

    /// <summary>One create straight at one replica, which must accept it; the new sandbox's id.</summary>
    public static async Task<Guid> CreateAsync(HttpClient replica)
    {
        using var response = await replica.PostAsJsonAsync(new Uri("/v1/sandboxes", UriKind.Relative), new { template = "base" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return Guid.Parse((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
    }

    /// <summary>Sends to the next replica in turn; the sandbox's id when answered 202, else null.</summary>
    private async Task<Guid?> SendAsync(Guid? id, string op, Func<HttpClient, Task<HttpResponseMessage>> send)
    {
        var targets = _targets;
        for (var tries = 0; tries < targets.Length; tries++)
        {
            var replica = targets[(int)((uint)Interlocked.Increment(ref _turn) % targets.Length)];
            try
            {
                using var response = await send(deployment.Client(replica));
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    return null;
                }
                var accepted = id ?? Guid.Parse((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
                _accepted.Enqueue(new AcceptedRequest(accepted, op, replica, _clock.Elapsed));
                return accepted;
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                // Nothing was sent: the balancer tries the next replica.
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                Interlocked.Increment(ref _unanswered);
                return null;
            }
        }
        return null;
    }

    /// <summary>Whether the sandbox reaches a stable status soon, read through any live replica.</summary>
    private async Task<bool> BecomesStableAsync(Guid id)
    {
        var deadline = _clock.Elapsed + StableWait;
        while (_clock.Elapsed < deadline)
        {
            if (await StatusAsync(id) is "running" or "paused")
            {
                return true;
            }
            await Task.Delay(200);
        }
        return false;
    }

    private async Task<string?> StatusAsync(Guid id)
    {
        var targets = _targets;
        var replica = targets[(int)((uint)Interlocked.Increment(ref _turn) % targets.Length)];
        try
        {
            var sandbox = await deployment.Client(replica).GetFromJsonAsync<JsonElement>(new Uri($"/v1/sandboxes/{id}", UriKind.Relative));
            return sandbox.GetProperty("status").GetString();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }
}
