using Lifecycle.Infrastructure.Outages;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Lifecycle.ControlPlane.Outages;

/// <summary>
/// Repeats a request's Postgres work while Postgres is away, within the request's budget
/// (<see cref="OutageOptions.RideThrough"/>, counted from the first failure, and cut short when the
/// client goes), so a restart of a few seconds is waited out instead of answered with a 503.
/// Work that never reached Postgres (the connection could not be opened) is always repeated. Work
/// whose connection broke in use (a restarted server's pooled connection fails once on first use,
/// measured with Npgsql 10) is repeated only when <c>repeatableAfterBreak</c>: a statement may have
/// committed just before a break. Redis failures are never repeated here.
/// </summary>
public sealed class RideThrough
{
    private static readonly ResiliencePropertyKey<Attempt> AttemptKey = new("lifecycle.ride-through");
    private static readonly object BudgetItem = new();
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly TimeSpan _budget;

    public RideThrough(IOptions<OutageOptions> options, TimeProvider time)
    {
        _time = time;
        _budget = options.Value.RideThrough;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue, // the budget ends the retries, not a count
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } exception && args.Context.Properties.GetValue(AttemptKey, null!).MayRepeat(exception, _time)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(AttemptKey, null!).Delay(args.AttemptNumber, _time)),
        }).Build();
    }

    /// <summary>Runs <paramref name="work"/>, repeating it while Postgres is away and the request's budget lasts.</summary>
    public async ValueTask<T> RunAsync<T>(HttpContext http, bool repeatableAfterBreak, Func<CancellationToken, ValueTask<T>> work)
    {
        if (_budget <= TimeSpan.Zero)
        {
            return await work(http.RequestAborted);
        }
        var context = ResilienceContextPool.Shared.Get(http.RequestAborted);
        context.Properties.Set(AttemptKey, new Attempt(BudgetOf(http), repeatableAfterBreak));
        try
        {
            return await _pipeline.ExecuteAsync(static (ctx, state) => state(ctx.CancellationToken), context, work);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One budget per request, shared by its authentication and its endpoint.</summary>
    private Budget BudgetOf(HttpContext http)
    {
        if (http.Items.TryGetValue(BudgetItem, out var existing) && existing is Budget budget)
        {
            return budget;
        }
        budget = new Budget(_budget);
        http.Items[BudgetItem] = budget;
        return budget;
    }

    private sealed class Budget(TimeSpan length)
    {
        private DateTimeOffset? _deadline;

        /// <summary>Time left; the clock starts at the request's first outage.</summary>
        public TimeSpan Remaining(TimeProvider time)
        {
            var now = time.GetUtcNow();
            _deadline ??= now + length;
            return _deadline.Value - now;
        }
    }

    private sealed record Attempt(Budget Budget, bool RepeatableAfterBreak)
    {
        public bool MayRepeat(Exception exception, TimeProvider time) => Outage.Classify(exception) switch
        {
            OutageKind.PostgresUnreachable => Budget.Remaining(time) > TimeSpan.Zero,
            OutageKind.PostgresBroken => RepeatableAfterBreak && Budget.Remaining(time) > TimeSpan.Zero,
            _ => false,
        };

        /// <summary>Doubling from 100 ms to at most 1 s, with jitter, never past the budget's end.</summary>
        public TimeSpan Delay(int attempt, TimeProvider time)
        {
            var doubled = FirstDelay * Math.Pow(2, Math.Min(attempt, 10));
            var jittered = (doubled < MaxDelay ? doubled : MaxDelay) * (0.8 + (0.4 * Random.Shared.NextDouble()));
            var remaining = Budget.Remaining(time);
            return jittered < remaining ? jittered : (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
    }
}
