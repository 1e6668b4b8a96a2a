using System.Globalization;
using Lifecycle.Contract.Text;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.Cli.Rendering;

/// <summary>Table cells: numbers, ages and times in one invariant form.</summary>
public static class Cells
{
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    public static string? Age(long? milliseconds) => milliseconds is { } ms ? Durations.Format(ms) : null;

    public static string? Age(DateTimeOffset? at, DateTimeOffset now) => at is { } value ? Durations.Format(now - value) : null;

    public static string? Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("u", CultureInfo.InvariantCulture);

    /// <summary>A <c>timestamptz</c> as Npgsql reads it: a UTC <see cref="DateTime"/>.</summary>
    public static string? Time(DateTime? at) => Time(at.AsUtc());

    public static string? Age(DateTime? at, DateTimeOffset now) => Age(at.AsUtc(), now);

    /// <summary>Milliseconds from <paramref name="at"/> to <paramref name="now"/>, for JSON.</summary>
    public static long? AgeMs(DateTimeOffset? at, DateTimeOffset now) => at is { } value ? (long)(now - value).TotalMilliseconds : null;

    public static long? AgeMs(DateTime? at, DateTimeOffset now) => AgeMs(at.AsUtc(), now);

    /// <summary>How long ago a stream entry was added: its id carries the time.</summary>
    public static long AgeMs(string entryId, DateTimeOffset now) => (long)(now - StreamIds.TimeOf(entryId)).TotalMilliseconds;
}
