using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// An entry named across partitions, as operators see it: <c>p3/1733000000000-0</c>. Entry ids are per
/// stream, so two partitions may hold the same id; with one partition a bare id means partition 0.
/// </summary>
public readonly record struct EntryRef(int Partition, string Id)
{
    public override string ToString() => $"p{Partition}/{Id}";

    /// <summary>As operators see it: the bare id when there is one partition (as before partitions), else <c>pN/id</c>.</summary>
    public string Format(int partitions) => partitions == 1 ? Id : ToString();

    public static bool TryParse(string text, int partitions, [NotNullWhen(true)] out EntryRef? entry, [NotNullWhen(false)] out string? error)
    {
        entry = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            if (partitions == 1)
            {
                entry = new EntryRef(0, text);
                error = null;
                return true;
            }
            error = $"'{text}' names no partition: give it as p<N>/<id>, e.g. p3/{text}";
            return false;
        }
        if (text[0] != 'p' || !int.TryParse(text.AsSpan(1, slash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition) || partition >= partitions)
        {
            error = $"'{text}': the partition must be p0 … p{partitions - 1}";
            return false;
        }
        entry = new EntryRef(partition, text[(slash + 1)..]);
        error = null;
        return true;
    }
}
