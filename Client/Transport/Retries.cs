using System.Net;
using Lifecycle.Contract.Problems;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Lifecycle.Client;

/// <summary>
/// The client's resilience pipeline: a bounded retry with jittered exponential backoff, around a timeout per attempt.
/// Retried: network errors and lost attempts (every POST and DELETE carries an <c>Idempotency-Key</c>, the same on each
/// attempt, so the server does the work once), 503 and the rate limiter's 429, waiting at least their
/// <c>Retry-After</c>. Never retried: the quota's 429, which waiting cannot fix, and every other answer.
/// </summary>
internal static class Retries
{
    /// <summary>Set on a request that needs more time than <see cref="LifecycleClientOptions.AttemptTimeout"/> (a wait's long poll).</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> AttemptTimeout = new("Lifecycle.AttemptTimeout");

    public static ResiliencePipeline<HttpResponseMessage> Pipeline(LifecycleClientOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        Configure(builder, options);
        return builder.Build();
    }

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, LifecycleClientOptions options)
    {
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                ShouldHandle = args => ShouldRetryAsync(args.Outcome, options, args.Context.CancellationToken),
                // The server's Retry-After when it gave one (null: the jittered backoff).
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? ProblemReader.RetryAfter(response) : null),
            });
        }
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.GetRequestMessage()?.Options.TryGetValue(AttemptTimeout, out var own) == true ? own : options.AttemptTimeout),
        });
    }

    private static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, LifecycleClientOptions options, CancellationToken ct)
    {
        if (outcome.Exception is { } exception)
        {
            return exception is HttpRequestException or TimeoutRejectedException;
        }
        var response = outcome.Result!;
        if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
            || ProblemReader.RetryAfter(response) > options.MaxRetryAfter)
        {
            return false;
        }
        return response.StatusCode == HttpStatusCode.ServiceUnavailable || await ProblemReader.TypeAsync(response, ct) != ProblemTypes.QuotaExceeded;
    }
}
