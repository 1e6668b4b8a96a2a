namespace Lifecycle.Contract.Hosts;

/// <summary>
/// The wire names of <see cref="HostStatus"/> as constants, for SQL built at compile time (a unique index's
/// predicate, which <c>ON CONFLICT</c> must repeat as written). Each equals <see cref="HostStatuses.ToWire"/>
/// of its namesake (a unit test holds them together).
/// </summary>
public static class HostStatusNames
{
    public const string Registered = "registered";
    public const string Online = "online";
    public const string Unreachable = "unreachable";
    public const string Cordoned = "cordoned";
    public const string Draining = "draining";
    public const string Drained = "drained";
    public const string Decommissioned = "decommissioned";
}
