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

    /// <summary>What each tag of the routes groups, in the order a reader wants them.</summary>
    private static readonly (string Name, string Description)[] Tags =
    [
        ("sandboxes", "A team's sandboxes, with the team's API key."),
        ("quotas", "A team's quotas and what is in use, with the team's API key."),
        ("teams (admin)", "Teams, their API keys and their quotas, with the admin key."),
        ("hosts (admin)", "The fleet of hosts: registration, cordons, drains, decommissions, with the admin key."),
        ("host agents", "What a host agent sends about itself, with its host token."),
        ("health", "Whether the process and its servers answer, its metrics and this document: no credential."),
    ];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo { Title = "Lifecycle API", Version = OpenApiDocumentation.DocumentName, Description = Description };
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }
        var order = Tags.Select(tag => tag.Name).ToList();
        var tags = (document.Tags ?? Enumerable.Empty<OpenApiTag>()).OrderBy(tag => order.IndexOf(tag.Name ?? "") is var i and >= 0 ? i : order.Count).ToList();
        foreach (var tag in tags)
        {
            tag.Description ??= Tags.FirstOrDefault(known => known.Name == tag.Name).Description;
        }
        document.Tags = new HashSet<OpenApiTag>(tags);
        return Task.CompletedTask;
    }
}
