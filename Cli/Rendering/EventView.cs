using Lifecycle.Contract.Events;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;

namespace Lifecycle.Cli.Rendering;

/// <summary>
/// A stream entry as on-call reads it: its fields as they are (not decoded, so a malformed entry
/// shows too), with the time its id carries.
/// </summary>
public sealed record EventView(
    string Id, DateTimeOffset AddedAt, string? EventId, string? Type, string? SandboxId, string? HostId,
    string? From, string? To, string? Version, string? Actor, string? Reason, string? Error)
{
    public static EventView Of(StreamEntry entry)
    {
        var id = entry.Id.ToString();
        return new EventView(id, StreamIds.TimeOf(id), Field(entry, StreamFields.EventId), Field(entry, StreamFields.Type),
            Field(entry, StreamFields.SandboxId), Field(entry, StreamFields.HostId), Field(entry, StreamFields.From), Field(entry, StreamFields.To),
            Field(entry, StreamFields.Version), Field(entry, StreamFields.Actor), Field(entry, StreamFields.Reason), Field(entry, StreamFields.Error));
    }

    /// <summary>A field's value, or null when the entry lacks it or it is empty (absent values are empty strings on the stream).</summary>
    public static string? Field(StreamEntry entry, string name) => entry[name] is { IsNullOrEmpty: false } value ? value.ToString() : null;

    public static readonly string[] Headers = ["ENTRY", "ADDED", "TYPE", "SANDBOX", "FROM→TO", "ACTOR", "REASON/ERROR"];

    /// <summary><see cref="Headers"/> in the fixed columns of <see cref="Line"/>, for output that streams.</summary>
    public static string HeaderLine => Columns(Headers);

    public string?[] Row() =>
    [
        Id, Cells.Time(AddedAt), Type, SandboxId, $"{From ?? "(new)"}→{To}", Actor, Error ?? Reason,
    ];

    /// <summary>The row in fixed-width columns: a tail cannot wait to see the widest value.</summary>
    public string Line() => Columns(Row());

    private static string Columns(IReadOnlyList<string?> cells) =>
        $"{cells[0],-15}  {cells[1],-20}  {cells[2],-24}  {cells[3],-36}  {cells[4],-20}  {cells[5],-41}  {cells[6] ?? "-"}".TrimEnd();
}
