namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>A set of ids that forgets the oldest once full, so a long benchmark cannot grow it without bound.</summary>
/// <remarks>Not thread-safe: its owner holds a lock.</remarks>
internal sealed class BoundedIdSet(int capacity)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Count => _ids.Count;

    public bool Contains(string id) => _ids.Contains(id);

    public void Add(string id)
    {
        if (!_ids.Add(id))
        {
            return;
        }

        _order.Enqueue(id);
        if (_order.Count > capacity)
        {
            _ids.Remove(_order.Dequeue());
        }
    }

    public string[] ToArray() => [.. _order];

    public void Clear()
    {
        _ids.Clear();
        _order.Clear();
    }
}
