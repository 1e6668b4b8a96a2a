using System.Reflection;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// A string property or query parameter whose values are one closed set of wire names, read from the static
/// member that owns the set (<c>[OneOf(typeof(SandboxStatuses), nameof(SandboxStatuses.WireNames))]</c>), so the
/// document lists what the code accepts and never a copy of it.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute(Type set, string member) : Attribute
{
    public IReadOnlyList<string> Values { get; } = Read(set, member);

    private static string[] Read(Type set, string member)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static;
        var value = set.GetProperty(member, flags)?.GetValue(null) ?? set.GetField(member, flags)?.GetValue(null);
        return value is IEnumerable<string> names
            ? [.. names]
            : throw new ArgumentException($"{set.Name}.{member} is not a public static set of strings.", nameof(member));
    }
}
