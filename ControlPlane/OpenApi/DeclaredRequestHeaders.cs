using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>The request headers an endpoint declares (<see cref="RequestHeader"/>), as references to their one description.</summary>
public sealed class DeclaredRequestHeaders : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var header in context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestHeader>().Distinct())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameterReference(header.Name, context.Document));
        }
        return Task.CompletedTask;
    }
}
