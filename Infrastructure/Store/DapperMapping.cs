using Dapper;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// How Dapper maps our records: <c>snake_case</c> columns onto their members, and a sandbox's and a host's
/// status by its wire name (<see cref="WireNameHandler{T}"/>). Process-wide, so each store that reads records
/// applies it before its first query, whichever store a process happens to use first.
/// </summary>
public static class DapperMapping
{
    static DapperMapping()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        // Without it Dapper bypasses a handler for an enum: it reads a text column with a case-blind
        // Enum.Parse (which takes "1" or "Running" too) and sends an enum parameter as its number.
        SqlMapper.Settings.PreferTypeHandlersForEnums = true;
        SqlMapper.AddTypeHandler(new WireNameHandler<SandboxStatus>(SandboxStatuses.Parse, SandboxStatuses.ToWire));
        SqlMapper.AddTypeHandler(new WireNameHandler<HostStatus>(HostStatuses.Parse, HostStatuses.ToWire));
        SqlMapper.AddTypeHandler(new WireNameHandler<OnTimeout>(OnTimeouts.Parse, OnTimeouts.ToWire));
    }

    /// <summary>Runs the static constructor once; calling it again does nothing.</summary>
    public static void Apply()
    {
    }
}
