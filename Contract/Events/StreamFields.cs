using System.Globalization;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Text;

namespace Lifecycle.Contract.Events;

/// <summary>
/// The one stream schema: a <see cref="StateEvent"/> as flat string fields, so
/// <c>redis-cli XRANGE</c> reads it as it is. Absent values are empty strings. The Redis client's
/// entry type is the infrastructure's business (<c>StreamEvents</c>); the schema is plain pairs.
/// </summary>
public static class StreamFields
{
    public const string EventId = "event_id";
    public const string Type = "type";
    public const string SandboxId = "sandbox_id";
    public const string TeamId = "team_id";
    public const string HostId = "host_id";
    public const string From = "from";
    public const string To = "to";
    public const string Version = "version";
    public const string Actor = "actor";
    public const string Reason = "reason";
    public const string Error = "error";
    public const string At = "at";

    /// <summary>Every field, in the order an entry carries them.</summary>
    public static IReadOnlyList<string> Names => Ordered;

    private static readonly string[] Ordered = [EventId, Type, SandboxId, TeamId, HostId, From, To, Version, Actor, Reason, Error, At];

    /// <summary>A field's place in an entry (<see cref="Names"/>); a name the schema lacks goes after them all.</summary>
    public static int OrderOf(string name) => Array.IndexOf(Ordered, name) is var index and >= 0 ? index : Ordered.Length;

    public static KeyValuePair<string, string>[] Encode(StateEvent e) =>
    [
        new(EventId, e.EventId.ToString()),
        new(Type, e.Type),
        new(SandboxId, e.SandboxId.ToString()),
        new(TeamId, e.TeamId.ToString()),
        new(HostId, e.HostId?.ToString() ?? ""),
        new(From, e.From.ToWire() ?? ""),
        new(To, e.To.ToWire()),
        new(Version, e.Version.ToString(CultureInfo.InvariantCulture)),
        new(Actor, e.Actor),
        new(Reason, e.Reason ?? ""),
        new(Error, e.Error ?? ""),
        new(At, Timestamps.Write(e.At)),
    ];

    /// <summary>
    /// Reads an entry back. Fails, with a reason fit for a dead letter, when a field is missing or
    /// malformed, the type is unknown, or the (type, from, to) triple is not a row of the table.
    /// </summary>
    public static bool TryDecode(IReadOnlyDictionary<string, string> values, out StateEvent stateEvent, out string error)
    {
        stateEvent = null!;

        string Get(string name) => values.TryGetValue(name, out var value) ? value : "";

        if (values.Count == 0)
        {
            error = "entry has no fields";
            return false;
        }
        if (!Guid.TryParse(Get(EventId), out var eventId))
        {
            error = "event_id is not a uuid";
            return false;
        }
        var type = Get(Type);
        if (!TransitionTable.TryGet(type, out var transition))
        {
            error = $"unknown event type '{type}'";
            return false;
        }
        if (!Guid.TryParse(Get(SandboxId), out var sandboxId) || !Guid.TryParse(Get(TeamId), out var teamId))
        {
            error = "sandbox_id or team_id is not a uuid";
            return false;
        }
        Guid? hostId = null;
        if (Get(HostId) is { Length: > 0 } hostText)
        {
            if (!Guid.TryParse(hostText, out var parsedHost))
            {
                error = "host_id is not a uuid";
                return false;
            }
            hostId = parsedHost;
        }
        SandboxStatus? from = null;
        if (Get(From) is { Length: > 0 } fromText)
        {
            if (!SandboxStatuses.TryParse(fromText, out var parsedFrom))
            {
                error = $"unknown from status '{fromText}'";
                return false;
            }
            from = parsedFrom;
        }
        if (!SandboxStatuses.TryParse(Get(To), out var to))
        {
            error = $"unknown to status '{Get(To)}'";
            return false;
        }
        if (!transition.Allows(from, to))
        {
            error = $"{type} does not move {from.ToWire() ?? "(new)"} to {to.ToWire()}";
            return false;
        }
        if (!long.TryParse(Get(Version), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            error = "version is not a non-negative integer";
            return false;
        }
        if (!DateTimeOffset.TryParse(Get(At), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            error = "at is not a timestamp";
            return false;
        }
        var actor = Get(Actor);
        if (actor.Length == 0)
        {
            error = "actor is empty";
            return false;
        }
        stateEvent = new StateEvent(eventId, type, sandboxId, teamId, hostId, from, to, version, actor,
            NullIfEmpty(Get(Reason)), NullIfEmpty(Get(Error)), at);
        error = "";
        return true;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
