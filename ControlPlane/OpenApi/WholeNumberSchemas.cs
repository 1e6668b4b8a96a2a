using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>A parameter marked <see cref="WholeNumberAttribute"/> is an integer with its bounds and default.</summary>
public sealed class WholeNumberSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (OneOfSchemas.AttributeOf<WholeNumberAttribute>(context) is { } number)
        {
            schema.Type = JsonSchemaType.Integer;
            schema.Format = "int32";
            schema.Minimum = number.Minimum.ToString(CultureInfo.InvariantCulture);
            schema.Maximum = number.Maximum.ToString(CultureInfo.InvariantCulture);
            schema.Default = JsonValue.Create(number.Default);
        }
        return Task.CompletedTask;
    }
}
