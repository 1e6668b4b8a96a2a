namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A <c>timestamptz</c> as Npgsql reads it into a row (a <see cref="DateTime"/> of unspecified or UTC kind, always UTC
/// in value) as the instant it is.
/// </summary>
public static class DatabaseTimes
{
    public static DateTimeOffset AsUtc(this DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    public static DateTimeOffset? AsUtc(this DateTime? at) => at?.AsUtc();
}
