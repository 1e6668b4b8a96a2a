using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lifecycle.Testing.Answers;

/// <summary>
/// The outermost middleware of a control plane under test: after each request to one of the app's own routes it
/// adds the answer (method, route pattern, status, header names) to the <see cref="AnswerLog"/>.
/// </summary>
internal sealed class AnswerRecording(AnswerLog log) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var services = app.ApplicationServices;
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => log.CaptureDocument(services));
        app.Use(async (context, nextMiddleware) =>
        {
            await nextMiddleware(context);
            if (context.RequestAborted.IsCancellationRequested)
            {
                // The client left before the answer (the framework logs it as a 499): nobody received one.
                return;
            }
            // The exception handler clears the endpoint before it answers; its feature keeps it.
            var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
            // Routing's own answers (a 405) come from endpoints that are no route of the app.
            if (endpoint is RouteEndpoint route)
            {
                var headers = string.Join(',', context.Response.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase));
                log.Add(new Answer(context.Request.Method, route.RoutePattern.RawText ?? "", context.Response.StatusCode, headers));
            }
        });
        next(app);
    };
}
