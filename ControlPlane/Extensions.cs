using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.Consumers;
using Lifecycle.Contract.Text;
using Lifecycle.ControlPlane.Api;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.ControlPlane.Dev;
using Lifecycle.ControlPlane.Drains;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Observability;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.ControlPlane.Placement;
using Lifecycle.ControlPlane.Quotas;
using Lifecycle.ControlPlane.Quotas.Api;
using Lifecycle.ControlPlane.RateLimiting;
using Lifecycle.ControlPlane.Startup;
using Lifecycle.ControlPlane.Teams;
using Lifecycle.ControlPlane.Timeouts;
using Lifecycle.ControlPlane.Waiting;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;

namespace Lifecycle.ControlPlane;

/// <summary>Registers the control plane's parts and maps its endpoints.</summary>
public static class Extensions
{
    /// <summary>Largest request body accepted; sandbox requests are small.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static WebApplicationBuilder AddControlPlane(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddLifecycleInfrastructure(configuration);
        services.Configure<OperationOptions>(configuration.GetSection(OperationOptions.Section));
        services.Configure<DevModeOptions>(configuration.GetSection(DevModeOptions.Section));
        services.Configure<AdminOptions>(configuration.GetSection(AdminOptions.Section));
        services.AddPerKeyRateLimits(configuration);
        services.AddLifecycleTelemetry();
        builder.AddLifecycleLogging();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        services.AddSingleton<TeamStore>();
        services.AddSingleton<HostReportStore>();
        services.AddSingleton<HostCertificateStore>();
        services.AddSingleton<HostCertificates>();
        services.Configure<PlacementOptions>(configuration.GetSection(PlacementOptions.Section));
        services.AddSingleton<HostPlacement>();
        services.AddSingleton<OperationRunner>();
        services.AddSingleton<OperationRequests>();
        services.AddSingleton<HostReports>();
        services.AddSingleton<HostTransitions>();
        services.AddSingleton<CertificateRenewals>();
        services.AddSingleton<HostRegistrations>();
        services.AddSingleton<HostHeartbeats>();
        services.AddSingleton<OperationCounters>();
        services.AddSingleton<BackgroundOperations>();
        services.AddSingleton<StrictJson>();
        services.AddSingleton<HostResponses>();
        services.AddSingleton<HostTransitionEndpoint>();
        services.AddSingleton<SandboxChangeListener>();

        services.AddEventAppliers(configuration);
        services.AddHostMonitor(configuration);
        services.AddOwnershipCoordinator();
        services.AddDrains(configuration);
        services.AddTimeouts(configuration);
        services.AddQuotas(configuration);
        services.AddCapacity(configuration);
        services.AddIdempotency(configuration);
        services.AddSingleton<RequestWrites>();
        services.AddSingleton<SandboxAnswers>();
        services.AddHostedServicesInOrder(HostMonitorOptions.IsEnabled(configuration));

        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // Numbers are numbers on the wire, both ways (the web default also reads them from strings), so the
            // OpenAPI document types them as plain integers.
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // Every time in an answer as RFC 3339 UTC with milliseconds (docs/contract.md, "Times").
            TimestampJsonConverters.AddTo(json.SerializerOptions);
        });
        // The framework's own problems (a 404 route, a 405, a body it could not bind) carry the same
        // style of type as the API's (Problems.TypeOf), not RFC section links.
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // A problem type of the API's own (a quota's 429) is kept.
            if (context.ProblemDetails.Status is { } status && !(context.ProblemDetails.Type?.StartsWith("urn:lifecycle:", StringComparison.Ordinal) ?? false))
            {
                context.ProblemDetails.Type = Problems.TypeOf(status);
            }
            // The id the answer's X-Request-Id header carries (RequestIds), which its log lines carry too.
            context.ProblemDetails.Extensions["request_id"] = context.HttpContext.TraceIdentifier;
        });
        services.Configure<OutageOptions>(configuration.GetSection(OutageOptions.Section));
        services.AddSingleton<RideThrough>();
        services.AddExceptionHandler<OutageExceptionHandler>();
        // An outage is answered (503) and logged once by OutageExceptionHandler; the middleware's own
        // error log with a stack trace per request is for the failures that stay 500s.
        services.Configure<ExceptionHandlerOptions>(handler =>
            handler.SuppressDiagnosticsCallback = context => context.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService);
        services.AddLifecycleOpenApi();
        // No default scheme: each endpoint group names the one credential it takes (a team key, a
        // host token, the admin key), so none is accepted where another is expected.
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, TeamKeyAuthentication>(TeamKeyAuthentication.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, HostTokenAuthentication>(HostTokenAuthentication.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthentication>(AdminKeyAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(TeamKeyAuthentication.SchemeName, policy => policy
                .AddAuthenticationSchemes(TeamKeyAuthentication.SchemeName)
                .RequireClaim(TeamKeyAuthentication.TeamIdClaim))
            .AddPolicy(HostTokenAuthentication.SchemeName, policy => policy
                .AddAuthenticationSchemes(HostTokenAuthentication.SchemeName)
                .RequireClaim(HostTokenAuthentication.HostIdClaim))
            .AddPolicy(AdminKeyAuthentication.SchemeName, policy => policy
                .AddAuthenticationSchemes(AdminKeyAuthentication.SchemeName)
                .RequireClaim(AdminKeyAuthentication.AdminClaim));
        return builder;
    }

    public static WebApplication MapControlPlane(this WebApplication app)
    {
        // First, so that every answer carries the id, those of the error handlers included.
        app.UseRequestIds();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/healthz", () => TypedResults.Ok(new Liveness("alive"))).DisableRateLimiting().WithTags("health")
            .WithName("getLiveness").WithSummary("Whether the process answers");
        app.MapLifecycleTelemetry();
        app.MapLifecycleOpenApi();
        // Every API endpoint rides through a short Postgres outage (health, metrics and OpenAPI need none), and
        // declares the problems it answers with because of what it is (a credential, a body, the rate limit).
        var api = app.MapGroup("").AddEndpointFilter<RideThroughFilter>().WithStandardAnswers();
        api.MapSandboxes();
        api.MapSandboxOutcomes();
        api.MapTimeouts();
        api.MapQuotas();
        api.MapHosts();
        api.MapDrains();
        api.MapHostCertificates();
        api.MapTeams();
        return app;
    }
}
