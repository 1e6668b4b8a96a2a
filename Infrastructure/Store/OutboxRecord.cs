using System.Text.Json;
using Lifecycle.Contract.Events;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A state event as its <c>event_outbox</c> row holds it: its sandbox's stream partition, and its stream fields
/// (<see cref="StreamFields"/>) as one JSON object, the stream entry verbatim.
/// </summary>
public sealed record OutboxRecord(StateEvent Event, int Partition)
{
    public string FieldsJson { get; } = JsonSerializer.Serialize(
        StreamFields.Encode(Event).ToDictionary(field => field.Key, field => field.Value, StringComparer.Ordinal));
}
