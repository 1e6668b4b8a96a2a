namespace Lifecycle.Infrastructure.Streams;

/// <summary>Bound from <c>Lifecycle:Redis</c>.</summary>
public sealed class RedisOptions
{
    public const string Section = "Lifecycle:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";
}
