using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifecycle.Contract.Text;

/// <summary>
/// The one way a time is written wherever Lifecycle shows one (API answers, stream fields, <c>lifecyclectl --json</c>): RFC
/// 3339 in UTC with exactly three fractional digits, <c>2026-12-07T03:28:49.123Z</c>, so a client can compare them as
/// strings. Read back, any RFC 3339 time with its offset is taken.
/// </summary>
public static partial class Timestamps
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string Write(DateTimeOffset at) => at.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>A <see cref="DateTime"/> from Postgres or the clock; one of unspecified kind is UTC (how Lifecycle stores every time).</summary>
    public static string Write(DateTime at) => Write(new DateTimeOffset(at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : DateTime.SpecifyKind(at, DateTimeKind.Utc)));

    /// <summary>An RFC 3339 date-time with its offset (<c>Z</c> or <c>±hh:mm</c>); anything else is refused.</summary>
    public static bool TryParse(string? text, out DateTimeOffset at)
    {
        at = default;
        return text is not null && Rfc3339().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out at);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}
