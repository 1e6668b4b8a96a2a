namespace Lifecycle.ControlPlane.Outages;

/// <summary>
/// Runs an endpoint under <see cref="RideThrough"/>: while Postgres is away the endpoint is run again
/// from the start, with the request body rewound, until it succeeds or the request's budget is spent.
/// Endpoints marked <see cref="NotRepeatableAfterBreak"/> are repeated only when nothing reached Postgres.
/// </summary>
public sealed class RideThroughFilter(RideThrough rideThrough) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // Bodies are at most 64 KiB; buffered so that a second run reads the same body again.
        http.Request.EnableBuffering();
        var marker = http.GetEndpoint()?.Metadata.GetMetadata<NotRepeatableAfterBreak>();
        var repeatable = marker is null || (marker.UnlessHeader is { } header && http.Request.Headers[header].ToString().Length > 0);
        var runs = 0;
        return await rideThrough.RunAsync(http, repeatable, async _ =>
        {
            if (runs++ > 0)
            {
                http.Request.Body.Position = 0;
            }
            return await next(context);
        });
    }
}

/// <summary>
/// Marks an endpoint whose second run, after a statement that committed just before the connection
/// broke, would do the work twice or answer wrongly (a second sandbox, a 409 for its own new name).
/// With <see cref="UnlessHeader"/> present (an <c>Idempotency-Key</c>) a second run is harmless again.
/// </summary>
public sealed record NotRepeatableAfterBreak(string? UnlessHeader = null);
