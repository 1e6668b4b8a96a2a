namespace Lifecycle.Tests;

/// <summary>
/// <c>make test</c> (scripts/test.sh) runs the suite as two test processes side by side, each with servers of its
/// own: most of a fixture's time is spent waiting (for a restarted server, a replica's takeover, an outage's end),
/// so two at once take little longer than one. This category is one lane; everything else is the other.
/// </summary>
public static class TestLanes
{
    /// <summary>
    /// The longest fixtures that start, kill or freeze processes of their own (control planes, servers,
    /// <c>make run</c>), chosen so that the two lanes take about as long.
    /// </summary>
    public const string Processes = "Processes";
}
