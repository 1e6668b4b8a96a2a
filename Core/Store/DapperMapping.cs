using Dapper;

namespace Lifecycle.Core.Store;

/// <summary>
/// How Dapper maps our records: <c>snake_case</c> columns onto their members, and a sandbox's and a host's
/// status by its wire name (<see cref="SandboxStatusHandler"/>, <see cref="HostStatusHandler"/>). Process-wide, so each store that reads records
/// applies it before its first query, whichever store a process happens to use first.
/// </summary>
internal static class DapperMapping
{
    static DapperMapping()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        // Without it Dapper bypasses a handler for an enum: it reads a text column with a case-blind
        // Enum.Parse (which takes "1" or "Running" too) and sends an enum parameter as its number.
        SqlMapper.Settings.PreferTypeHandlersForEnums = true;
        SqlMapper.AddTypeHandler(new SandboxStatusHandler());
        SqlMapper.AddTypeHandler(new HostStatusHandler());
    }

    /// <summary>Runs the static constructor once; calling it again does nothing.</summary>
    public static void Apply()
    {
    }
}
