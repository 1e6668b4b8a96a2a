using System.Text.Json;
using Lifecycle.Contract.Events;

namespace Lifecycle.Infrastructure.Store;

/// <summary>One <c>event_outbox</c> row as the senders read it (sql/015_event_outbox.sql).</summary>
public sealed record OutboxEntry(long Seq, Guid EventId, Guid SandboxId, int Partition, string Fields, string? StreamId)
{
    private KeyValuePair<string, string>[]? _pairs;

    /// <summary>
    /// An event just recorded, as the at-once sender takes it: its fields are at hand, not read back; and, when the
    /// recording said so, the events of its sandbox that were not on the stream yet (<see cref="EarlierUnsent"/>).
    /// </summary>
    public static OutboxEntry Of(OutboxRecord record, IReadOnlyCollection<Guid>? earlierUnsent = null) =>
        new(0, record.Event.EventId, record.Event.SandboxId, record.Partition, record.FieldsJson, null)
        {
            _pairs = StreamFields.Encode(record.Event),
            EarlierUnsent = earlierUnsent,
        };

    /// <summary>
    /// For an event just recorded: its sandbox's events that were in the outbox and not on the stream when it was
    /// recorded, as the recording statement saw them (every event it follows from had committed by then); null when
    /// not known, and the at-once sender asks the outbox.
    /// </summary>
    public IReadOnlyCollection<Guid>? EarlierUnsent { get; init; }

    /// <summary>The stream fields, in the schema's order (<c>jsonb</c> keeps its own).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Pairs => _pairs ??=
        [.. (JsonSerializer.Deserialize<Dictionary<string, string>>(Fields) ?? []).OrderBy(pair => StreamFields.OrderOf(pair.Key))];

    /// <summary>The event's type, for the metrics' label; empty if the fields lack one.</summary>
    public string Type => Field(StreamFields.Type) ?? "";

    /// <summary>One stream field's value (a <see cref="StreamFields"/> name); null when absent or empty.</summary>
    public string? Field(string name) => Pairs.FirstOrDefault(pair => pair.Key == name).Value is { Length: > 0 } value ? value : null;
}
