using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// A request field marked <see cref="RequiredAttribute"/> must be present and not null. The records that read
/// bodies keep such fields nullable so that a missing one is a 400 naming it, not a serializer error.
/// </summary>
public sealed class RequiredMeansNotNull : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (OneOfSchemas.AttributeOf<RequiredAttribute>(context) is not null && schema.Type is { } type)
        {
            schema.Type = type & ~JsonSchemaType.Null;
        }
        return Task.CompletedTask;
    }
}
