using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// Every path parameter of the API is an id, a UUID on the wire. Handlers read it as text, so that one that is
/// not a UUID is a 400 naming it.
/// </summary>
public sealed class PathIdSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.ParameterDescription?.Source == BindingSource.Path && schema.Type == JsonSchemaType.String)
        {
            schema.Format = "uuid";
        }
        return Task.CompletedTask;
    }
}
