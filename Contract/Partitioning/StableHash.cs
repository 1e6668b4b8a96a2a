using System.Text;

namespace Lifecycle.Contract.Partitioning;

/// <summary>
/// The one hash that places things on partitions and shards: FNV-1a (32-bit) over the UTF-8 bytes of
/// the id's canonical lowercase text (<c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>). Written down so that
/// every replica, every version and an operator with a calculator agree where an id lives; .NET's
/// <see cref="Guid.GetHashCode"/> is neither documented nor promised stable.
/// </summary>
public static class StableHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static uint Of(Guid id) => Of(id.ToString("D"));

    public static uint Of(string text)
    {
        var hash = OffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * Prime);
        }
        return hash;
    }

    /// <summary>Which of <paramref name="count"/> slots an id falls in.</summary>
    public static int SlotOf(Guid id, int count) => (int)(Of(id) % (uint)count);
}
