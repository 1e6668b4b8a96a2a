namespace Lifecycle.Contract.Problems;

/// <summary>
/// The <c>reason</c> of a problem a client must act on differently from others of its status: "full" (wait, or ask for
/// less) is not "down" (an outage, wait). A closed set, in every such problem body.
/// </summary>
public static class ProblemReasons
{
    /// <summary>No host has room for the sandbox now (503), or none could ever hold it (422); <c>resource</c> says which.</summary>
    public const string NoCapacity = "no_capacity";

    /// <summary>No host is online to take a new sandbox (503).</summary>
    public const string NoHost = "no_host";

    public static readonly IReadOnlyList<string> All = [NoCapacity, NoHost];
}
