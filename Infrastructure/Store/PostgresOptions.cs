namespace Lifecycle.Infrastructure.Store;

/// <summary>Bound from <c>Lifecycle:Postgres</c>.</summary>
public sealed class PostgresOptions
{
    public const string Section = "Lifecycle:Postgres";

    public string ConnectionString { get; set; } = "";
}
