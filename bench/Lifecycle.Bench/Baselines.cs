using System.Diagnostics;
using System.Net;
using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Infrastructure.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Lifecycle.Bench;

/// <summary>
/// What the hardware does on its own, measured in the same run: a Postgres INSERT per transaction,
/// a Redis XADD, and an ASP.NET Core endpoint that only answers 202. The control plane's figures are
/// quoted as ratios to these.
/// </summary>
public static class Baselines
{
    /// <summary>One prepared INSERT per transaction (autocommit) of a row as wide as a sandbox's, from <paramref name="clients"/> connections.</summary>
    public static async Task<double> PostgresInsertsPerSecondAsync(NpgsqlDataSource dataSource, int clients, TimeSpan duration)
    {
        const string table = """
            CREATE TABLE IF NOT EXISTS bench_inserts (
                id uuid PRIMARY KEY, team_id uuid NOT NULL, status text NOT NULL, template text NOT NULL,
                vcpus int NOT NULL, memory_mb int NOT NULL, metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())
            """;
        const string insert = """
            INSERT INTO bench_inserts (id, team_id, status, template, vcpus, memory_mb, metadata)
            VALUES ($1, $2, 'starting', 'base', 1, 512, '{}')
            """;
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync(table);
        }
        var teamId = Guid.CreateVersion7();
        long count = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            // Prepared once, as raw Postgres at its best runs it.
            await using var conn = await dataSource.OpenConnectionAsync();
            await using var command = new NpgsqlCommand(insert, conn);
            var id = new NpgsqlParameter<Guid>();
            command.Parameters.Add(id);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = teamId });
            await command.PrepareAsync();
            while (watch.Elapsed < duration)
            {
                id.TypedValue = Guid.CreateVersion7();
                await command.ExecuteNonQueryAsync();
                Interlocked.Increment(ref count);
            }
        }));
        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>XADD of an event-sized entry, <paramref name="clients"/> callers each awaiting its own, on one multiplexer.</summary>
    public static async Task<double> RedisXaddsPerSecondAsync(string redisConfiguration, int clients, TimeSpan duration)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var db = redis.GetDatabase();
        const string key = "bench:baseline:xadd";
        var fields = StreamEvents.Encode(StateEvent.CreateRequested(Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UtcNow) with { HostId = Guid.NewGuid() });
        long count = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (watch.Elapsed < duration)
            {
                await db.StreamAddAsync(key, fields);
                Interlocked.Increment(ref count);
            }
        }));
        var perSecond = count / watch.Elapsed.TotalSeconds;
        await db.KeyDeleteAsync(key);
        return perSecond;
    }

    /// <summary>A bare ASP.NET Core app whose <c>POST /v1/sandboxes</c> reads the JSON body and answers 202 with a small JSON body.</summary>
    public static async Task<WebApplication> StartBareEndpointAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/sandboxes", async (HttpRequest request) =>
        {
            using var body = await System.Text.Json.JsonDocument.ParseAsync(request.Body);
            return Results.Json(new { id = Guid.CreateVersion7(), status = "starting" }, statusCode: (int)HttpStatusCode.Accepted);
        });
        await app.StartAsync();
        return app;
    }

    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
