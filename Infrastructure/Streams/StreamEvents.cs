using Lifecycle.Contract.Events;
using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>The contract's stream schema (<see cref="StreamFields"/>) as the Redis client's stream entries.</summary>
public static class StreamEvents
{
    public static NameValueEntry[] Encode(StateEvent stateEvent) =>
        Array.ConvertAll(StreamFields.Encode(stateEvent), field => new NameValueEntry(field.Key, field.Value));

    /// <summary>Reads an entry back; see <see cref="StreamFields.TryDecode"/> for what fails and why.</summary>
    public static bool TryDecode(NameValueEntry[] fields, out StateEvent stateEvent, out string error)
    {
        var values = new Dictionary<string, string>(fields.Length, StringComparer.Ordinal);
        foreach (var field in fields)
        {
            values[field.Name.ToString()] = field.Value.ToString();
        }
        return StreamFields.TryDecode(values, out stateEvent, out error);
    }
}
