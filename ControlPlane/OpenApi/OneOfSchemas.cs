using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// An <c>enum</c> for every property or parameter marked <see cref="OneOfAttribute"/> (on the items of an array;
/// with null among the values where the property may be null).
/// </summary>
public sealed class OneOfSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (AttributeOf<OneOfAttribute>(context) is not { } oneOf)
        {
            return Task.CompletedTask;
        }
        var target = schema.Type?.HasFlag(JsonSchemaType.Array) == true && schema.Items is OpenApiSchema items ? items : schema;
        IEnumerable<JsonNode> values = oneOf.Values.Select(value => (JsonNode)JsonValue.Create(value));
        target.Enum = [.. target.Type?.HasFlag(JsonSchemaType.Null) == true ? values.Append(null!) : values];
        return Task.CompletedTask;
    }

    /// <summary>The attribute on the property or handler parameter this schema describes, if any.</summary>
    internal static T? AttributeOf<T>(OpenApiSchemaTransformerContext context) where T : Attribute =>
        context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(T), inherit: true).OfType<T>().FirstOrDefault()
        ?? (context.ParameterDescription?.ParameterDescriptor as IParameterInfoParameterDescriptor)?.ParameterInfo.GetCustomAttribute<T>();
}
