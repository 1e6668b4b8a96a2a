using Lifecycle.Client;
using Lifecycle.ControlPlane.Teams;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lifecycle.Tests.Client;

/// <summary>A team of its own for one test, so that what it lists and counts is only its own; and clients with its key.</summary>
public sealed record ClientTeam(ControlPlaneHarness Harness, Guid Id, string Key)
{
    public static async Task<ClientTeam> NewAsync(ControlPlaneHarness harness)
    {
        var key = $"lck_client_{Guid.NewGuid():N}";
        var id = await harness.Services.GetRequiredService<TeamStore>()
            .EnsureTeamWithKeyAsync($"client-{Guid.NewGuid():N}"[..30], key, CancellationToken.None);
        return new ClientTeam(harness, id, key);
    }

    public LifecycleClientOptions Options(int maxRetries = 3) => new()
    {
        BaseAddress = Harness.BaseAddress,
        ApiKey = Key,
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(20),
    };

    /// <summary>A client of this team; <paramref name="transport"/> sends each attempt (the network by default).</summary>
    public LifecycleClient Client(HttpMessageHandler? transport = null, int maxRetries = 3) => new(Options(maxRetries), transport);

    /// <summary>Sets some of the team's quotas through the admin API.</summary>
    public async Task SetQuotasAsync(string body)
    {
        using var admin = Harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await admin.PutAsync($"/v1/teams/{Id}/quotas", content);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The team's rows in Postgres, whatever any answer said.</summary>
    public async Task<long> SandboxRowsAsync()
    {
        await using var command = Harness.Database.DataSource.CreateCommand("SELECT count(*) FROM sandboxes WHERE team_id = @team");
        command.Parameters.Add(new NpgsqlParameter("team", Id));
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
