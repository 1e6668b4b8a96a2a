using System.Reflection;
using Lifecycle.Contract.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The headers each answer carries: those its endpoint declares (<see cref="ResponseHeader"/>); <c>Location</c> on a
/// 201 and on a 202 with a body (what was made or changed); <c>ETag</c> on an answer whose body type
/// <see cref="CarriesETagAttribute"/>; <c>Retry-After</c> on every 429 and 503; <c>WWW-Authenticate</c> on every 401.
/// </summary>
public sealed class DeclaredResponseHeaders : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var declared = context.Description.ActionDescriptor.EndpointMetadata.OfType<ResponseHeader>().ToList();
        var bodies = context.Description.SupportedResponseTypes.ToLookup(type => type.StatusCode, type => type.Type);
        foreach (var (code, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse answer || !int.TryParse(code, out var status))
            {
                continue;
            }
            var names = declared.Where(header => header.StatusCode == status || (header.StatusCode is null && status is >= 200 and < 300))
                .Select(header => header.Name)
                .ToList();
            var body = bodies[status].FirstOrDefault(type => type is not null && type != typeof(void));
            if (status == 201 || (status == 202 && body is not null))
            {
                names.Add(HeaderNames.Location);
            }
            if (body?.GetCustomAttribute<CarriesETagAttribute>() is not null)
            {
                names.Add(HeaderNames.ETag);
            }
            if (status is 429 or 503)
            {
                names.Add(HeaderNames.RetryAfter);
            }
            if (status == 401)
            {
                names.Add(HeaderNames.WwwAuthenticate);
            }
            foreach (var name in names.Distinct())
            {
                answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
                answer.Headers[name] = new OpenApiHeaderReference(name, context.Document);
            }
        }
        return Task.CompletedTask;
    }
}
