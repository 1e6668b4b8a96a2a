using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.HostAgentSim.Admin;

/// <summary>
/// The simulator's admin HTTP API, for fault tests driving hosts from outside the process: list the
/// hosts, freeze and thaw one, restart its agent, set its latency and failure rate, crash a sandbox.
/// </summary>
/// <remarks>
/// Served on 127.0.0.1 at <see cref="SimulatorOptions.AdminPort"/> only, with no authentication: a dev
/// and test tool. Answers JSON in snake_case; errors are problem+json (404 unknown host or sandbox, 400 bad input).
/// </remarks>
internal static class AdminEndpoints
{
    // Long enough for any outage a fault test stages; a bound keeps a typo from parking a host for days.
    private const int MaxDownMs = 600_000;

    // Strict on input: numbers as numbers, no unknown fields (a typo must not silently change nothing).
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static void MapSimulatorAdmin(this IEndpointRouteBuilder app, int adminPort)
    {
        var admin = app.MapGroup("/admin/hosts")
            // The gRPC ports share the server; the admin API answers on its own port only.
            .AddEndpointFilter((context, next) =>
                context.HttpContext.Connection.LocalPort == adminPort ? next(context) : ValueTask.FromResult<object?>(Results.NotFound()));

        admin.MapGet("", (HostDirectory hosts) =>
            Results.Json(hosts.InOrder.Select(HostView.Of), Json));

        admin.MapPost("{name}/freeze", (string name, HostDirectory hosts) =>
            WithHost(hosts, name, host => host.Freeze()));

        admin.MapPost("{name}/thaw", (string name, HostDirectory hosts) =>
            WithHost(hosts, name, host => host.Unfreeze()));

        admin.MapPost("{name}/restart", RestartAsync);
        admin.MapPost("{name}/faults", SetFaultsAsync);

        admin.MapPost("{name}/sandboxes/{id}/exit", (string name, string id, HostDirectory hosts) =>
            !hosts.TryGet(name, out var host) ? UnknownHost(name)
            : host.Exit(id) ? Results.NoContent()
            : Results.Problem($"host {name} holds no sandbox {id}", statusCode: StatusCodes.Status404NotFound, title: "Unknown sandbox"));
    }

    private static async Task<IResult> RestartAsync(
        string name,
        HttpRequest request,
        HostDirectory hosts,
        IHostApplicationLifetime lifetime)
    {
        if (!hosts.TryGet(name, out var host))
        {
            return UnknownHost(name);
        }

        RestartMode mode;
        switch (request.Query["mode"].ToString())
        {
            case "keep":
                mode = RestartMode.Keep;
                break;
            case "empty":
                mode = RestartMode.Empty;
                break;
            default:
                return BadInput("mode must be keep (the agent restarted, its sandboxes still there) or empty (the machine rebooted)");
        }

        var downMs = 1_000;
        if (request.Query.TryGetValue("down_ms", out var given)
            && (!int.TryParse(given.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out downMs) || downMs > MaxDownMs))
        {
            return BadInput($"down_ms must be a whole number of milliseconds from 0 to {MaxDownMs}");
        }

        // Not the request's token: a caller that stops waiting must not cut the outage short.
        await host.RestartAsync(mode, TimeSpan.FromMilliseconds(downMs), lifetime.ApplicationStopping);
        return Results.NoContent();
    }

    private static async Task<IResult> SetFaultsAsync(string name, HttpRequest request, HostDirectory hosts)
    {
        if (!hosts.TryGet(name, out var host))
        {
            return UnknownHost(name);
        }

        FaultsRequest? faults;
        try
        {
            faults = await JsonSerializer.DeserializeAsync<FaultsRequest>(request.Body, Json, request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            return BadInput($"the body must be {{\"latency_ms\": int?, \"failure_rate\": number?}}: {ex.Message}");
        }
        if (faults is null)
        {
            return BadInput("the body must be a JSON object");
        }
        if (faults.Problem() is { } problem)
        {
            return BadInput(problem);
        }

        if (faults.LatencyMs is { } latency)
        {
            host.LatencyMs = latency;
        }
        if (faults.FailureRate is { } rate)
        {
            host.FailureRate = rate;
        }
        return Results.NoContent();
    }

    private static IResult WithHost(HostDirectory hosts, string name, Action<SimulatedHost> change)
    {
        if (!hosts.TryGet(name, out var host))
        {
            return UnknownHost(name);
        }
        change(host);
        return Results.NoContent();
    }

    private static IResult UnknownHost(string name) =>
        Results.Problem($"no simulated host named {name}", statusCode: StatusCodes.Status404NotFound, title: "Unknown host");

    private static IResult BadInput(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
}
