using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Problems;
using Lifecycle.Contract.Quotas;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The problem body as the API writes it: <c>type</c>, <c>title</c> and <c>status</c> always, and the extensions
/// some problems carry (docs/contract.md, "REST API").
/// </summary>
public sealed class ProblemExtensions : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(ProblemDetails) || context.JsonPropertyInfo is not null)
        {
            return Task.CompletedTask;
        }
        schema.Required = new HashSet<string> { "type", "title", "status" };
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["type"] = Text("A URI naming the kind of problem: https://httpstatuses.io/<status>, or urn:lifecycle:problem:… for the API's own kinds.");
        schema.Properties["title"] = Text("A short summary of the kind of problem.");
        schema.Properties["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." };
        schema.Properties["current_status"] = Text("The status of the sandbox or host now, when the problem is about its status.");
        schema.Properties["request_id"] = Text("The request's id, as in the X-Request-Id header.");
        schema.Properties["quota"] = OneOf(QuotaNames.All, "The quota the request would exceed (a quota's 429).");
        schema.Properties["limit"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "That quota's limit." };
        schema.Properties["in_use"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "How much of that quota is in use." };
        schema.Properties["reason"] = OneOf(ProblemReasons.All, "Why no host takes the request: no_capacity (none has room now, a 503, or none ever could, a 422) or no_host (none is online, a 503).");
        schema.Properties["resource"] = OneOf(CapacityResources.All, "The resource no host has enough of (a no_capacity problem).");
        schema.Properties["largest"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "The most of that resource any host has (a too-big 422)." };
        schema.Properties["drain_mode"] = OneOf(DrainModes.WireNames, "The mode of the drain under way (a drain's 409).");
        schema.Properties["drain_deadline"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "The deadline of the drain under way." };
        return Task.CompletedTask;
    }

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };

    private static OpenApiSchema OneOf(IEnumerable<string> values, string description) =>
        new() { Type = JsonSchemaType.String, Enum = [.. values.Select(value => (System.Text.Json.Nodes.JsonNode)value)], Description = description };
}
