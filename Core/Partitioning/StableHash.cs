namespace Lifecycle.Core.Partitioning;

/// <summary>
/// A hash of an id that every process, build and runtime agrees on (unlike <see cref="Guid.GetHashCode"/>,
/// which may differ between runtimes), so replicas that split work by it split it the same way:
/// FNV-1a 32 over the UTF-8 bytes of the id's lowercase canonical text (<c>ToString("D")</c>).
/// </summary>
public static class StableHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;
    private const int CanonicalLength = 36;

    public static uint Of(Guid id)
    {
        Span<byte> text = stackalloc byte[CanonicalLength];
        // The "D" format is lowercase hex with hyphens, always 36 ASCII bytes.
        id.TryFormat(text, out _, "D");
        var hash = OffsetBasis;
        foreach (var b in text)
        {
            hash ^= b;
            hash *= Prime;
        }
        return hash;
    }
}
