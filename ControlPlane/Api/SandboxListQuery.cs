using System.Globalization;
using System.Text.Json.Nodes;
using Lifecycle.Contract.Sandboxes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The query of <c>GET /v1/sandboxes</c> as the document describes it (docs/contract.md, "REST API"): filters that
/// repeat, and <c>metadata[KEY]=VALUE</c> in OpenAPI's deepObject style, which no handler parameter can bind.
/// Parameters the handler binds by the same names are replaced.
/// </summary>
public static class SandboxListQuery
{
    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        OpenApiParameter[] parameters =
        [
            Query("status", "Only sandboxes in one of these statuses; repeat it for several.", new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. SandboxStatuses.WireNames.Select(name => (JsonNode)name)] },
            }, explode: true),
            Query("template", "Only sandboxes of this template.", new OpenApiSchema { Type = JsonSchemaType.String, Pattern = Slug.Pattern }),
            new OpenApiParameter
            {
                Name = "metadata",
                In = ParameterLocation.Query,
                Description = "Only sandboxes whose metadata has every one of these entries, as metadata[KEY]=VALUE (metadata.KEY=VALUE is the same).",
                Style = ParameterStyle.DeepObject,
                Explode = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            Query("created_after", "Only sandboxes created after this time (RFC 3339).", new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" }),
            Query("created_before", "Only sandboxes created before this time (RFC 3339).", new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" }),
            Query("limit", "The page's size.", new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int32",
                Minimum = "1",
                Maximum = SandboxEndpoints.MaxPageSize.ToString(CultureInfo.InvariantCulture),
                Default = SandboxEndpoints.DefaultPageSize,
            }),
            Query("cursor", "The next_cursor of the previous page.", new OpenApiSchema { Type = JsonSchemaType.String }),
            Query("team_id", "With the admin key: only this team's sandboxes.", new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" }),
            Query("host_id", "With the admin key: only sandboxes on this host (a team key sending it is a 400).", new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" }),
        ];
        operation.Parameters = [.. (operation.Parameters ?? []).Where(bound => parameters.All(described => described.Name != bound.Name)), .. parameters];
        return Task.CompletedTask;
    }

    private static OpenApiParameter Query(string name, string description, OpenApiSchema schema, bool explode = false) => new()
    {
        Name = name,
        In = ParameterLocation.Query,
        Description = description,
        Schema = schema,
        Style = explode ? ParameterStyle.Form : null,
        Explode = explode,
    };
}
