namespace Lifecycle.Infrastructure.Outbox;

/// <summary>How recorded events reach the stream (<c>Lifecycle:Outbox</c>; decision 0034).</summary>
public sealed class OutboxOptions
{
    public const string Section = "Lifecycle:Outbox";

    /// <summary>
    /// How long a just-recorded event is the at-once sender's alone: the relay sends only older ones, so in the usual
    /// case each event is appended once. A sender that failed or died leaves its events to the relay after this.
    /// </summary>
    public TimeSpan AtOnceGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after its append the at-once sender marks an event sent, at most (<see cref="SentMarks"/>): long enough
    /// that the appliers have usually removed its row by then, far shorter than <see cref="AtOnceGrace"/>.
    /// </summary>
    public TimeSpan MarkAfter { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often an idle relay looks for events to send.</summary>
    public TimeSpan RelayInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An event on the stream that the <c>appliers</c> have not seen after this long is looked for on the stream
    /// (one XRANGE); one Redis lost is sent again.
    /// </summary>
    public TimeSpan RecheckAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events per batch, for the at-once sender and for each relay.</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>Events waiting for the at-once sender at most; more go to the relay (bounds memory in an outage).</summary>
    public int AtOnceQueue { get; set; } = 10_000;

    /// <summary>The longest a relay waits between tries while Redis or Postgres is away.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(2);
}
