using System.Globalization;

namespace Lifecycle.Testing;

/// <summary>One line of <c>CLUSTER NODES</c>: a node as one member of a Redis Cluster sees it.</summary>
/// <param name="MasterId">For a replica, the id of the master it copies; null for a master.</param>
/// <param name="Failed">Flagged <c>fail</c> or <c>fail?</c> (suspected): its slots are not served.</param>
public sealed record ClusterNode(string Id, int Port, bool IsMaster, bool Failed, string? MasterId, IReadOnlyList<(int First, int Last)> Slots)
{
    public bool Serves(int slot) => !Failed && Slots.Any(range => range.First <= slot && slot <= range.Last);

    /// <summary>Parses the whole answer of <c>CLUSTER NODES</c>.</summary>
    public static IReadOnlyList<ClusterNode> ParseAll(string clusterNodes) =>
        [.. clusterNodes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];

    // <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
    private static ClusterNode Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var address = fields[1].Split('@')[0];
        var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        var flags = fields[2].Split(',');
        var slots = fields.Skip(8)
            .Where(slot => !slot.StartsWith('[')) // a slot being migrated, not served here yet
            .Select(slot => slot.Split('-'))
            .Select(range => (int.Parse(range[0], CultureInfo.InvariantCulture), int.Parse(range[^1], CultureInfo.InvariantCulture)))
            .ToList();
        return new ClusterNode(
            fields[0],
            port,
            flags.Contains("master"),
            flags.Any(flag => flag.StartsWith("fail", StringComparison.Ordinal)),
            fields[3] == "-" ? null : fields[3],
            slots);
    }
}
