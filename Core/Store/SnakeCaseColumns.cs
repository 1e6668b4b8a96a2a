using Dapper;

namespace Lifecycle.Core.Store;

/// <summary>
/// Dapper maps <c>snake_case</c> columns onto our records. Process-wide, so each store that reads
/// records turns it on before its first query, whichever store a process happens to use first.
/// </summary>
internal static class SnakeCaseColumns
{
    public static void Apply() => DefaultTypeMap.MatchNamesWithUnderscores = true;
}
