namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// A query parameter read as text, so that a bad value is a 400 naming it, that is a whole number from
/// <paramref name="minimum"/> to <paramref name="maximum"/> on the wire (<paramref name="fallback"/> when absent).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class WholeNumberAttribute(int minimum, int maximum, int fallback) : Attribute
{
    public int Minimum { get; } = minimum;

    public int Maximum { get; } = maximum;

    public int Default { get; } = fallback;
}
