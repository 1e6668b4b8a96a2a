using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The document's title and description, what its tags group, and its servers as clients join paths to them: without
/// a trailing slash.
/// </summary>
public sealed class DocumentInfo : IOpenApiDocumentTransformer
{
    private const string Description = """
        The control plane of Lifecycle: sandboxes (microVMs) created, paused, resumed and destroyed on a fleet of hosts.
        Every route takes one kind of credential as `Authorization: Bearer <secret>`: a team API key, a host token or
        the admin key. Errors are `application/problem+json` (RFC 9457). JSON names are snake_case, ids are UUIDv7,
        times are RFC 3339 in UTC. The states, transitions and invariants behind these routes are in docs/contract.md.
        """;

    /// <summary>What each tag of the routes groups.</summary>
    private static readonly Dictionary<string, string> Tags = new()
    {
        ["health"] = "Whether the process and its servers answer, its metrics and this document: no credential.",
        ["sandboxes"] = "A team's sandboxes, with the team's API key.",
        ["quotas"] = "A team's quotas and what is in use, with the team's API key.",
        ["teams (admin)"] = "Teams, their API keys and their quotas, with the admin key.",
        ["hosts (admin)"] = "The fleet of hosts: registration, cordons, drains, decommissions, with the admin key.",
        ["host agents"] = "What a host agent sends about itself, with its host token.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo { Title = "Lifecycle API", Version = OpenApiDocumentation.DocumentName, Description = Description };
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }
        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            tag.Description ??= tag.Name is { } name ? Tags.GetValueOrDefault(name) : null;
        }
        return Task.CompletedTask;
    }
}
