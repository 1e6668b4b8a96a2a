using System.Globalization;
using System.Text;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Client;

/// <summary>
/// Which sandboxes a list returns: any of <see cref="Statuses"/>, of <see cref="Template"/>, carrying every pair of
/// <see cref="Metadata"/>, created in (<see cref="CreatedAfter"/>, <see cref="CreatedBefore"/>); <see cref="Limit"/> per page
/// (1–500, the server's 50 by default). Null or empty: no condition.
/// </summary>
public sealed record SandboxFilter
{
    public IReadOnlyCollection<SandboxStatus>? Statuses { get; init; }

    public string? Template { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public DateTimeOffset? CreatedAfter { get; init; }

    public DateTimeOffset? CreatedBefore { get; init; }

    public int? Limit { get; init; }

    /// <summary>The query string of one page (with its leading <c>?</c>, or empty); metadata as <c>metadata.KEY=VALUE</c>.</summary>
    internal string Query(string? cursor)
    {
        var query = new StringBuilder();
        foreach (var status in Statuses ?? [])
        {
            Add(query, "status", status.ToWire());
        }
        Add(query, "template", Template);
        foreach (var (key, value) in Metadata ?? new Dictionary<string, string>())
        {
            Add(query, "metadata." + key, value);
        }
        Add(query, "created_after", Timestamp(CreatedAfter));
        Add(query, "created_before", Timestamp(CreatedBefore));
        Add(query, "limit", Limit?.ToString(CultureInfo.InvariantCulture));
        Add(query, "cursor", cursor);
        return query.ToString();
    }

    internal static void Add(StringBuilder query, string name, string? value)
    {
        if (value is not null)
        {
            query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    /// <summary>RFC 3339 in UTC with milliseconds, as the API writes its own times.</summary>
    private static string? Timestamp(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
