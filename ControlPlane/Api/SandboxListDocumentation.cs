using System.Globalization;
using System.Text.Json.Nodes;
using Lifecycle.Contract.Sandboxes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The query of a sandbox listing (<see cref="SandboxListQuery"/>, which reads it) as the document describes it: filters
/// that repeat, and <c>metadata[KEY]=VALUE</c> in OpenAPI's deepObject style, which no handler parameter can bind.
/// Parameters the handler binds by the same names are replaced.
/// </summary>
public static class SandboxListDocumentation
{
    /// <summary><c>GET /v1/sandboxes</c>: a team's own.</summary>
    public static Task DescribeTeamListAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct) =>
        DescribeAsync(operation, [.. Filters()]);

    /// <summary><c>GET /v1/hosts/{id}/sandboxes</c>: an operator's, of every team unless <c>team_id</c> says one.</summary>
    public static Task DescribeHostListAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct) =>
        DescribeAsync(operation, [.. Filters(), Query("team_id", "Only this team's sandboxes.", new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" })]);

    private static Task DescribeAsync(OpenApiOperation operation, IReadOnlyList<OpenApiParameter> parameters)
    {
        operation.Parameters = [.. (operation.Parameters ?? []).Where(bound => parameters.All(described => described.Name != bound.Name)), .. parameters];
        return Task.CompletedTask;
    }

    private static IEnumerable<OpenApiParameter> Filters()
    {
        yield return Query("status", "Only sandboxes in one of these statuses; repeat it for several.", new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. SandboxStatuses.WireNames.Select(name => (JsonNode)name)] },
        }, explode: true);
        yield return Query("template", "Only sandboxes of this template.", new OpenApiSchema { Type = JsonSchemaType.String, Pattern = Slug.Pattern });
        yield return new OpenApiParameter
        {
            Name = "metadata",
            In = ParameterLocation.Query,
            Description = "Only sandboxes whose metadata has every one of these entries, as metadata[KEY]=VALUE (metadata.KEY=VALUE is the same).",
            Style = ParameterStyle.DeepObject,
            Explode = true,
            Schema = new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        yield return Query("created_after", "Only sandboxes created after this time (RFC 3339, compared to the millisecond).",
            new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" });
        yield return Query("created_before", "Only sandboxes created before this time (RFC 3339, compared to the millisecond).",
            new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" });
        yield return Query("limit", "The page's size.", new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = "int32",
            Minimum = "1",
            Maximum = SandboxListQuery.MaxLimit.ToString(CultureInfo.InvariantCulture),
            Default = SandboxListQuery.DefaultLimit,
        });
        yield return Query("cursor", "The next_cursor of the previous page.", new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" });
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
