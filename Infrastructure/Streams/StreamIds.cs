using System.Globalization;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>Stream entry ids (<c>milliseconds-sequence</c>) compared as numbers, not strings.</summary>
public static class StreamIds
{
    public static (long Ms, long Seq) Parse(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash < 0
            ? (long.Parse(id, CultureInfo.InvariantCulture), 0)
            : (long.Parse(id.AsSpan(0, dash), CultureInfo.InvariantCulture), long.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture));
    }

    public static string Min(string a, string b) => Parse(a).CompareTo(Parse(b)) <= 0 ? a : b;

    /// <summary>The smallest id at or after a moment.</summary>
    public static string AtTime(DateTimeOffset at) => $"{at.ToUnixTimeMilliseconds()}-0";

    /// <summary>When an entry was added: Redis makes the id from the clock, in milliseconds.</summary>
    public static DateTimeOffset TimeOf(string id) => DateTimeOffset.FromUnixTimeMilliseconds(Parse(id).Ms);
}
