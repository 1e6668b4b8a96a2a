using System.CommandLine;
using System.Net.Sockets;
using Lifecycle.Cli.Commands;
using Lifecycle.Cli.Rendering;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Configuration;
using Npgsql;
using StackExchange.Redis;

namespace Lifecycle.Cli;

/// <summary>
/// <c>lifecyclectl</c>: the on-call engineer's view of the streams, the consumer group, dead letters,
/// hosts and one host's or one sandbox's history. Everything it shows can also be read with <c>redis-cli</c> and
/// <c>psql</c> (docs/runbook.md gives both for each question).
/// </summary>
public static class LifecycleCtl
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON (snake_case, like the API) instead of a table",
        Recursive = true,
    };

    private static readonly Option<string?> RedisOverride = new("--redis")
    {
        Description = "Redis configuration string (default: Lifecycle:Redis:Configuration, as the control plane reads it)",
        Recursive = true,
    };

    private static readonly Option<string?> PostgresOverride = new("--postgres")
    {
        Description = "Postgres connection string (default: Lifecycle:Postgres:ConnectionString)",
        Recursive = true,
    };

    /// <summary>Runs one command line; returns its exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="width">Columns that tables must fit (default: the terminal's, or unlimited when output is captured).</param>
    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter error, int? width = null, CancellationToken ct = default)
    {
        var root = new RootCommand("Inspect and steer a Lifecycle control plane: streams, pending entries, dead letters, hosts, sandboxes.");
        root.Options.Add(Json);
        root.Options.Add(RedisOverride);
        root.Options.Add(PostgresOverride);
        var run = new Runner(configuration, output, error, width);
        foreach (var command in new[]
        {
            StreamsCommand.Create(run), PendingCommand.Create(run), TailCommand.Create(run), DeadCommand.Create(run),
            SandboxCommand.Create(run), HostsCommand.Create(run), HostCommand.Create(run), StuckCommand.Create(run), ReconcileCommand.Create(run),
            OwnersCommand.Create(run), OutboxCommand.Create(run),
        })
        {
            root.Subcommands.Add(command);
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }
            await error.WriteLineAsync("Run 'lifecyclectl --help' for usage.");
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
    }

    /// <summary>
    /// StackExchange.Redis appends its whole connection state to a message, and advice about abortConnect
    /// meant for code, not for a user of this tool; the first part says what happened.
    /// </summary>
    private static string FirstPart(string message)
    {
        foreach (var tail in new[] { " - ", " To allow this multiplexer" })
        {
            if (message.IndexOf(tail, StringComparison.Ordinal) is var cut and > 0)
            {
                message = message[..cut];
            }
        }
        return message;
    }

    /// <summary>Gives each command its session, and turns an unreachable server into a message and an exit code.</summary>
    public sealed class Runner(IConfiguration configuration, TextWriter output, TextWriter error, int? width = null)
    {
        public async Task<int> RunAsync(ParseResult parsed, Func<CliSession, Task<int>> command)
        {
            var settings = new Dictionary<string, string?>();
            if (parsed.GetValue(RedisOverride) is { } redis)
            {
                settings[$"{RedisOptions.Section}:Configuration"] = redis;
            }
            if (parsed.GetValue(PostgresOverride) is { } postgres)
            {
                settings[$"{PostgresOptions.Section}:ConnectionString"] = postgres;
            }
            var postgresConnection = settings.GetValueOrDefault($"{PostgresOptions.Section}:ConnectionString") ?? configuration[$"{PostgresOptions.Section}:ConnectionString"];
            if (postgresConnection is not null && !postgresConnection.Contains("timeout", StringComparison.OrdinalIgnoreCase))
            {
                // Npgsql waits 15 s for a connection by default; a command says it cannot connect sooner.
                settings[$"{PostgresOptions.Section}:ConnectionString"] = new NpgsqlConnectionStringBuilder(postgresConnection) { Timeout = (int)CliSession.ConnectTimeout.TotalSeconds }.ConnectionString;
            }
            var effective = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(settings).Build();
            await using var session = CliSession.Create(effective, new Output(output, parsed.GetValue(Json), width));
            try
            {
                return await command(session);
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
            {
                await error.WriteLineAsync($"cannot reach Redis at {session.RedisEndpoint}: {FirstPart(ex.Message)}");
                await WhereItLookedAsync(parsed);
                return ExitCodes.Unreachable;
            }
            catch (Exception ex) when (ex is NpgsqlException { InnerException: SocketException or TimeoutException } or NpgsqlException { IsTransient: true })
            {
                await error.WriteLineAsync($"cannot reach Postgres at {session.PostgresEndpoint}: {ex.Message}");
                await WhereItLookedAsync(parsed);
                return ExitCodes.Unreachable;
            }
        }

        /// <summary>Where the Redis and Postgres settings came from, so a wrong or missing settings file shows.</summary>
        private async Task WhereItLookedAsync(ParseResult parsed)
        {
            var flags = new[] { (RedisOverride, "--redis"), (PostgresOverride, "--postgres") }.Where(f => parsed.GetValue(f.Item1) is not null).Select(f => $"flag {f.Item2}");
            var source = string.Join("; ", flags.Append(configuration[CliConfiguration.SourceKey] ?? "").Where(s => s.Length > 0));
            if (source.Length > 0)
            {
                await error.WriteLineAsync($"settings from: {source}");
            }
        }
    }
}
