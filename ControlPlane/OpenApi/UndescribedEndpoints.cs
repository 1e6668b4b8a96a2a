using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The named endpoints that no route handler describes (readiness, metrics, this document), added from their own
/// metadata: name, summary, tags and the answers they produce. Public: they take no credential. One mapped for
/// every method (a health check, the metrics) is described as the GET its callers send.
/// </summary>
public sealed class UndescribedEndpoints(EndpointDataSource endpoints) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var metadata = endpoint.Metadata;
            if (metadata.GetMetadata<IEndpointNameMetadata>() is not { } name)
            {
                continue;
            }
            var methods = metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get];
            var path = PathOf(endpoint.RoutePattern);
            document.Paths.TryGetValue(path, out var existing);
            var item = existing as OpenApiPathItem ?? new OpenApiPathItem();
            foreach (var method in methods.Select(method => HttpMethod.Parse(method)))
            {
                if (item.Operations?.ContainsKey(method) == true)
                {
                    continue;
                }
                item.AddOperation(method, Describe(name.EndpointName, metadata, document));
            }
            document.Paths[path] = item;
        }
        return Task.CompletedTask;
    }

    /// <summary>The document's key for a route: its pattern with one leading slash and none trailing, as for described routes.</summary>
    public static string PathOf(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern) => "/" + (pattern.RawText ?? "").Trim('/');

    private static OpenApiOperation Describe(string name, EndpointMetadataCollection metadata, OpenApiDocument document)
    {
        var operation = new OpenApiOperation
        {
            OperationId = name,
            Summary = metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary,
            Description = metadata.GetMetadata<IEndpointDescriptionMetadata>()?.Description,
            Tags = metadata.OfType<ITagsMetadata>().SelectMany(tags => tags.Tags).Select(tag => new OpenApiTagReference(tag, document)).ToHashSet(),
            Security = [new OpenApiSecurityRequirement()],
            Responses = [],
        };
        foreach (var produces in metadata.OfType<IProducesResponseTypeMetadata>())
        {
            operation.Responses[produces.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = ReasonPhrases.GetReasonPhrase(produces.StatusCode),
                Content = produces.ContentTypes.ToDictionary(type => type, type => new OpenApiMediaType
                {
                    Schema = new OpenApiSchema { Type = produces.Type == typeof(string) ? JsonSchemaType.String : JsonSchemaType.Object },
                }),
            };
        }
        return operation;
    }
}
