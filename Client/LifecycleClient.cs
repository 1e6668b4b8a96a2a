using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Lifecycle.Contract.Http;
using Lifecycle.Contract.Sandboxes;
using Microsoft.Extensions.Http.Resilience;
using Polly.Timeout;

namespace Lifecycle.Client;

/// <summary>
/// A team's typed client of the Lifecycle API. Problem answers become <see cref="LifecycleApiException"/>s; network errors,
/// 503 and the rate limiter's 429 are retried (<see cref="LifecycleClientOptions"/>), each POST and DELETE under one
/// <c>Idempotency-Key</c> for all its attempts. Thread-safe; make one and keep it.
/// </summary>
public sealed class LifecycleClient : IDisposable
{
    /// <summary>The longest one long poll of a wait asks the server for (the API takes at most 55 s).</summary>
    public static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(55);

    /// <summary>How long <see cref="WaitAsync"/> waits when not told: the API's own default.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly LifecycleClientOptions _options;

    public LifecycleClient(Uri baseAddress, string apiKey)
        : this(new LifecycleClientOptions { BaseAddress = baseAddress, ApiKey = apiKey })
    {
    }

    /// <param name="options">Address, key and retries.</param>
    /// <param name="transport">What sends each attempt, below the retries; a <see cref="SocketsHttpHandler"/> by default.</param>
    public LifecycleClient(LifecycleClientOptions options, HttpMessageHandler? transport = null)
        : this(OwnHttpClient(options, transport), options)
    {
    }

    /// <summary>Over an <see cref="HttpClient"/> whose handlers already retry (see <see cref="LifecycleServiceCollectionExtensions"/>).</summary>
    internal LifecycleClient(HttpClient http, LifecycleClientOptions options)
    {
        _http = http;
        _options = options;
        Configure(http, options);
    }

    public Task<Sandbox> CreateAsync(CreateSandboxRequest? request = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        SandboxAsync(new ApiRequest(HttpMethod.Post, "/v1/sandboxes", request ?? new CreateSandboxRequest(), IdempotencyKey: idempotencyKey), ct);

    public Task<Sandbox> GetAsync(Guid id, CancellationToken ct = default) =>
        SandboxAsync(new ApiRequest(HttpMethod.Get, Path(id)), ct);

    /// <summary>The sandbox, or null when its tag is still <paramref name="etag"/> (a 304: nothing changed).</summary>
    public async Task<Sandbox?> GetIfChangedAsync(Guid id, string etag, CancellationToken ct = default)
    {
        using var response = await SendAsync(new ApiRequest(HttpMethod.Get, Path(id)) { IfNoneMatch = etag }, ct);
        return response.StatusCode == HttpStatusCode.NotModified ? null : await ReadSandboxAsync(response, ct);
    }

    /// <summary>One page of the team's sandboxes, newest first; pass its <see cref="SandboxPage.NextCursor"/> for the next.</summary>
    public Task<SandboxPage> ListAsync(SandboxFilter? filter = null, string? cursor = null, CancellationToken ct = default) =>
        ReadAsync<SandboxPage>(new ApiRequest(HttpMethod.Get, "/v1/sandboxes" + (filter ?? new SandboxFilter()).Query(cursor)), ct);

    /// <summary>Every sandbox the filter admits, newest first, page after page until the last.</summary>
    public async IAsyncEnumerable<Sandbox> ListAllAsync(SandboxFilter? filter = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListAsync(filter, cursor, ct);
            foreach (var sandbox in page.Sandboxes)
            {
                yield return sandbox;
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>202, the sandbox <c>pausing</c>; <paramref name="ifMatch"/>: only if its tag is still that one (else 412).</summary>
    public Task<Sandbox> PauseAsync(Guid id, string? ifMatch = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        SandboxAsync(new ApiRequest(HttpMethod.Post, Path(id, "pause"), IfMatch: ifMatch, IdempotencyKey: idempotencyKey), ct);

    /// <summary>202, the sandbox <c>resuming</c>, its timer restarted.</summary>
    public Task<Sandbox> ResumeAsync(Guid id, string? ifMatch = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        SandboxAsync(new ApiRequest(HttpMethod.Post, Path(id, "resume"), IfMatch: ifMatch, IdempotencyKey: idempotencyKey), ct);

    /// <summary>202, the sandbox <c>stopping</c>.</summary>
    public Task<Sandbox> DestroyAsync(Guid id, string? ifMatch = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        SandboxAsync(new ApiRequest(HttpMethod.Delete, Path(id), IfMatch: ifMatch, IdempotencyKey: idempotencyKey), ct);

    /// <summary>Sets its time to live to <paramref name="timeoutSec"/> from now (a paused sandbox's starts at resume).</summary>
    public Task<Sandbox> SetTimeoutAsync(Guid id, int timeoutSec, string? ifMatch = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        SandboxAsync(new ApiRequest(HttpMethod.Post, Path(id, "timeout"), new TimeToLive(timeoutSec), ifMatch, idempotencyKey), ct);

    /// <summary>
    /// The call to make before using a sandbox: its timer extended (never shortened) to <paramref name="timeoutSec"/> or its own;
    /// a paused one resumes. <see cref="Sandbox.Accepted"/> says whether it is on its way (202) or already runs (200).
    /// </summary>
    public Task<Sandbox> ConnectAsync(Guid id, int? timeoutSec = null, string? ifMatch = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        SandboxAsync(new ApiRequest(HttpMethod.Post, Path(id, "connect"), new TimeToLive(timeoutSec), ifMatch, idempotencyKey), ct);

    /// <summary>
    /// The sandbox once it is in <paramref name="status"/> (at once if it is), by long polls of at most <see cref="MaxPoll"/> until
    /// <paramref name="timeout"/> (<see cref="DefaultWait"/>) passes: then a <see cref="WaitTimedOutException"/>. A status it cannot
    /// reach without a new request is a <see cref="ConflictException"/> at once.
    /// </summary>
    public async Task<Sandbox> WaitAsync(Guid id, SandboxStatus status, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? DefaultWait);
        while (true)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            var poll = left < TimeSpan.Zero ? TimeSpan.Zero : left > MaxPoll ? MaxPoll : left;
            var query = new StringBuilder();
            SandboxFilter.Add(query, "status", status.ToWire());
            SandboxFilter.Add(query, "timeout", ((long)poll.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
            try
            {
                return await SandboxAsync(new ApiRequest(HttpMethod.Get, Path(id, "wait") + query) { AttemptTimeout = poll + _options.AttemptTimeout }, ct);
            }
            catch (WaitTimedOutException) when (deadline > DateTimeOffset.UtcNow)
            {
                // One poll's end, not the caller's: ask again for the time left.
            }
        }
    }

    /// <summary>One page of the sandbox's history, oldest first; pass its <see cref="SandboxEventPage.NextCursor"/> for the next.</summary>
    public Task<SandboxEventPage> ListEventsAsync(Guid id, string? cursor = null, int? limit = null, CancellationToken ct = default)
    {
        var query = new StringBuilder();
        SandboxFilter.Add(query, "limit", limit?.ToString(CultureInfo.InvariantCulture));
        SandboxFilter.Add(query, "cursor", cursor);
        return ReadAsync<SandboxEventPage>(new ApiRequest(HttpMethod.Get, Path(id, "events") + query), ct);
    }

    /// <summary>The sandbox's whole history, oldest first.</summary>
    public async IAsyncEnumerable<SandboxEvent> ListAllEventsAsync(Guid id, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListEventsAsync(id, cursor, ct: ct);
            foreach (var sandboxEvent in page.Events)
            {
                yield return sandboxEvent;
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>The team's quotas, each with its limit and what is in use.</summary>
    public Task<TeamQuota> GetQuotaAsync(CancellationToken ct = default) =>
        ReadAsync<TeamQuota>(new ApiRequest(HttpMethod.Get, "/v1/quota"), ct);

    public void Dispose() => _http.Dispose();

    private sealed record TimeToLive(int? TimeoutSec);

    private static string Path(Guid id, string? action = null) => action is null ? $"/v1/sandboxes/{id}" : $"/v1/sandboxes/{id}/{action}";

    private async Task<Sandbox> SandboxAsync(ApiRequest request, CancellationToken ct)
    {
        using var response = await SendAsync(request, ct);
        return await ReadSandboxAsync(response, ct);
    }

    private async Task<T> ReadAsync<T>(ApiRequest request, CancellationToken ct)
    {
        using var response = await SendAsync(request, ct);
        return await BodyAsync<T>(response, ct);
    }

    private static async Task<Sandbox> ReadSandboxAsync(HttpResponseMessage response, CancellationToken ct) =>
        await BodyAsync<Sandbox>(response, ct) with
        {
            ETag = response.Headers.ETag?.ToString(),
            Accepted = response.StatusCode == HttpStatusCode.Accepted,
            Replayed = response.Headers.TryGetValues(HeaderNames.IdempotentReplayed, out var replayed)
                && replayed.Any(value => value.Equals("true", StringComparison.OrdinalIgnoreCase)),
        };

    private static async Task<T> BodyAsync<T>(HttpResponseMessage response, CancellationToken ct) =>
        await response.Content.ReadFromJsonAsync<T>(WireJson.Options, ct)
            ?? throw new JsonException($"{(int)response.StatusCode} answer without a {typeof(T).Name}");

    /// <summary>Sends every attempt of one call; a success (or an asked-for 304) is returned, anything else thrown as its problem.</summary>
    private async Task<HttpResponseMessage> SendAsync(ApiRequest request, CancellationToken ct)
    {
        using var message = request.ToMessage();
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, ct);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"{request.Method} {request.Path}: no answer within {e.Timeout.TotalSeconds:0.###} s", e);
        }
        if (response.IsSuccessStatusCode || (response.StatusCode == HttpStatusCode.NotModified && request.IfNoneMatch is not null))
        {
            return response;
        }
        using (response)
        {
            throw await ProblemReader.ReadAsync(response, ct);
        }
    }

    private static HttpClient OwnHttpClient(LifecycleClientOptions options, HttpMessageHandler? transport)
    {
        options.Validate();
        var retrying = new ResilienceHandler(Retries.Pipeline(options))
        {
            InnerHandler = transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) },
        };
        return new HttpClient(retrying, disposeHandler: true);
    }

    /// <summary>The attempts have their own timeouts, so the <see cref="HttpClient"/> has none of its own to cut a long poll short.</summary>
    private static void Configure(HttpClient http, LifecycleClientOptions options)
    {
        options.Validate();
        http.BaseAddress = options.BaseAddress;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        http.Timeout = Timeout.InfiniteTimeSpan;
    }
}
