using System.Diagnostics.Metrics;

namespace Lifecycle.Infrastructure.Outbox;

/// <summary>
/// How recorded events reached the stream (meter <c>Lifecycle.Outbox</c>): by which path, and how many were left to
/// the relay or found lost. Every series exists from start-up, at zero.
/// </summary>
public sealed class OutboxCounters : IDisposable
{
    public const string MeterName = "Lifecycle.Outbox";

    /// <summary>The closed set of <c>path</c> labels of <c>lifecycle_outbox_sent_total</c>.</summary>
    public static class Paths
    {
        public const string AtOnce = "at_once";
        public const string Relay = "relay";
        public const string Resent = "resent";
        public static readonly string[] All = [AtOnce, Relay, Resent];
    }

    /// <summary>The closed set of <c>reason</c> labels of <c>lifecycle_outbox_deferred_total</c>: why the at-once sender left an event to the relay.</summary>
    public static class Deferrals
    {
        public const string RedisAway = "redis_away";
        public const string QueueFull = "queue_full";
        public const string EarlierUnsent = "earlier_unsent";
        public const string AppendFailed = "append_failed";
        public const string PostgresAway = "postgres_away";
        public static readonly string[] All = [RedisAway, QueueFull, EarlierUnsent, AppendFailed, PostgresAway];
    }

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _sent;
    private readonly Counter<long> _deferred;
    private readonly Counter<long> _lost;

    public OutboxCounters()
    {
        var meter = _meter;
        _sent = meter.CreateCounter<long>("lifecycle.outbox.sent", "{event}", "Recorded events appended to the stream, by path");
        _deferred = meter.CreateCounter<long>("lifecycle.outbox.deferred", "{event}", "Events the at-once sender left to the relay, by reason");
        _lost = meter.CreateCounter<long>("lifecycle.outbox.lost", "{event}", "Events found missing from the stream before the appliers saw them (sent again)");
        foreach (var path in Paths.All)
        {
            _sent.Add(0, new KeyValuePair<string, object?>("path", path));
        }
        foreach (var reason in Deferrals.All)
        {
            _deferred.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }
        _lost.Add(0);
    }

    public void Sent(string path, int count) => _sent.Add(count, new KeyValuePair<string, object?>("path", path));

    public void Deferred(string reason, int count) => _deferred.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void Lost(int count) => _lost.Add(count);

    public void Dispose() => _meter.Dispose();
}
