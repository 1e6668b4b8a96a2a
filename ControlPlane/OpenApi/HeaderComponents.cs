using System.Text.Json.Nodes;
using Lifecycle.Contract.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// Each header of the contract described once, under <c>components</c>, for operations to refer to; and
/// <c>X-Request-Id</c> on every answer of every operation.
/// </summary>
public sealed class HeaderComponents : IOpenApiDocumentTransformer
{
    private static readonly Dictionary<string, OpenApiHeader> Responses = new()
    {
        [HeaderNames.Location] = Header("Where the sandbox, host, team or key the request made or changed can be read.", Text(format: "uri-reference")),
        [HeaderNames.RetryAfter] = Header("Seconds to wait before trying again; a quota's 429 has none, since waiting does not help.", new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" }),
        [HeaderNames.ETag] = Header("The sandbox's entity tag: a strong tag that changes with every transition and every change of its timeout. Opaque; send it back in If-Match or If-None-Match.", Text()),
        [HeaderNames.RequestId] = Header("The request's id: the one the client sent, when it was 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-', else the trace id.", Text(pattern: "^[A-Za-z0-9._:-]{1,128}$")),
        [HeaderNames.IdempotentReplayed] = Header("Present on an answer repeated for an Idempotency-Key already used with the same request: nothing was done again.", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("true")] }),
        [HeaderNames.Link] = Header("The next page, as <…>; rel=\"next\", when there is one.", Text()),
        [HeaderNames.WwwAuthenticate] = Header("The credential to send: Bearer.", Text()),
    };

    private static readonly Dictionary<string, OpenApiParameter> Requests = new()
    {
        [HeaderNames.IdempotencyKey] = Parameter(HeaderNames.IdempotencyKey,
            "At most 200 printable ASCII characters. The same key with the same request within 24 hours answers as the first time (with Idempotent-Replayed: true) and does nothing again; with another request it is a 422.",
            Text(pattern: "^[ -~]{1,200}$")),
        [HeaderNames.IfMatch] = Parameter(HeaderNames.IfMatch,
            "Only if the sandbox's ETag is this one (or * for any): otherwise 412 and nothing changes.", Text()),
        [HeaderNames.IfNoneMatch] = Parameter(HeaderNames.IfNoneMatch,
            "304 with no body when the sandbox's ETag is this one.", Text()),
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, header) in Responses)
        {
            document.Components.Headers[name] = header;
        }
        document.Components.Parameters ??= new Dictionary<string, IOpenApiParameter>();
        foreach (var (name, parameter) in Requests)
        {
            document.Components.Parameters[name] = parameter;
        }
        var operations = document.Paths.Values.SelectMany(path => path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>());
        foreach (var response in operations.SelectMany(operation => operation.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>()).OfType<OpenApiResponse>())
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[HeaderNames.RequestId] = new OpenApiHeaderReference(HeaderNames.RequestId, document);
        }
        return Task.CompletedTask;
    }

    private static OpenApiSchema Text(string? format = null, string? pattern = null) =>
        new() { Type = JsonSchemaType.String, Format = format, Pattern = pattern };

    private static OpenApiHeader Header(string description, OpenApiSchema schema) => new() { Description = description, Schema = schema };

    private static OpenApiParameter Parameter(string name, string description, OpenApiSchema schema) =>
        new() { Name = name, In = ParameterLocation.Header, Description = description, Schema = schema };
}
