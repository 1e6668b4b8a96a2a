using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The body an endpoint declares it reads (<see cref="RequestBody"/>), as <c>application/json</c> of its type's schema,
/// kept under <c>components</c> by the type's name so generated clients name it too.
/// </summary>
public sealed class DeclaredRequestBodies : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestBody>().LastOrDefault() is not { } body)
        {
            return;
        }
        var name = body.Type.Name;
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(name) != true)
        {
            document.AddComponent(name, await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken));
        }
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = body.Required,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(name, document) } },
        };
    }
}
