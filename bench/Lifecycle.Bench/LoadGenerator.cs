using System.Diagnostics;
using System.Net;

namespace Lifecycle.Bench;

/// <summary>
/// HTTP load over HTTP/1.1 keep-alive, one connection per client. Closed loop (each client sends its
/// next request when the last is answered: the most a server accepts) or open loop (requests at a
/// fixed arrival rate, whether or not earlier ones are answered: what latency under a given load is).
/// </summary>
public static class LoadGenerator
{
    public sealed record ClosedResult(double PerSecond, double P50Ms, double P99Ms, long Requests, long Failures);

    public static HttpClient Client(Uri baseAddress, int connections, string? bearer = null)
    {
        var client = new HttpClient(Handler(connections))
        {
            BaseAddress = baseAddress,
            DefaultRequestVersion = HttpVersion.Version11,
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }
        return client;
    }

    /// <summary>At most <paramref name="connections"/> kept-alive connections per server, never recycled during a run.</summary>
    public static SocketsHttpHandler Handler(int connections) => new()
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    };

    /// <summary><paramref name="clients"/> loops sending <paramref name="send"/> for <paramref name="duration"/>; counts answers with <paramref name="expected"/>.</summary>
    public static async Task<ClosedResult> ClosedLoopAsync(
        HttpClient client, int clients, TimeSpan duration, Func<HttpClient, Task<HttpResponseMessage>> send, HttpStatusCode expected)
    {
        var latencies = new List<double>[clients];
        long failures = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            var mine = latencies[c] = new List<double>(65_536);
            while (watch.Elapsed < duration)
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await SendOrNullAsync(() => send(client));
                if (response is null)
                {
                    Interlocked.Increment(ref failures);
                    continue;
                }
                // Read the body, as a client does, so the connection is free for the next request.
                await response.Content.LoadIntoBufferAsync();
                if (response.StatusCode == expected)
                {
                    mine.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        var elapsed = watch.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).ToList();
        return new ClosedResult(all.Count / elapsed, Stats.Percentile(all, 50), Stats.Percentile(all, 99), all.Count, failures);
    }

    /// <summary>
    /// The answer, or null when none came within the client's timeout or the connection failed: a server that falls
    /// behind shows as failures counted, not as a bench that stops.
    /// </summary>
    public static async Task<T?> SendOrNullAsync<T>(Func<Task<T>> send) where T : class
    {
        try
        {
            return await send();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Starts <paramref name="send"/> at <paramref name="perSecond"/> for <paramref name="duration"/>, on
    /// schedule whatever the answers, and returns what each call returned.
    /// </summary>
    public static async Task<List<T>> OpenLoopAsync<T>(double perSecond, TimeSpan duration, Func<Task<T>> send)
    {
        var total = (int)(perSecond * duration.TotalSeconds);
        var calls = new List<Task<T>>(total);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            var wait = due - watch.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            calls.Add(Task.Run(send));
        }
        return [.. await Task.WhenAll(calls)];
    }
}
