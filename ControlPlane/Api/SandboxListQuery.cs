using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Text;
using Lifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The query of a sandbox listing: <c>status</c> (repeatable: any of them), <c>template</c>, <c>metadata.KEY=VALUE</c> or
/// <c>metadata[KEY]=VALUE</c> (repeatable: all of them; the bracket form is OpenAPI's <c>deepObject</c>),
/// <c>created_after</c> and <c>created_before</c> (RFC 3339), <c>limit</c> and <c>cursor</c>; an operator's listing
/// also takes <c>team_id</c>. Any other parameter is a 400, so a misspelt filter is never silently ignored.
/// </summary>
public sealed record SandboxListQuery(SandboxFilter Filter, int Limit, Guid? Cursor)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
    private const string MetadataDot = "metadata.";
    private const string MetadataBracket = "metadata[";

    private static readonly string[] TeamParameters = ["status", "template", "created_after", "created_before", "limit", "cursor"];

    /// <summary>Reads a team's listing (<paramref name="teamId"/>), or an operator's (null: <c>team_id</c> allowed) of <paramref name="hostId"/>.</summary>
    public static bool TryRead(
        IQueryCollection query, Guid? teamId, Guid? hostId, [NotNullWhen(true)] out SandboxListQuery? read, [NotNullWhen(false)] out ProblemDetails? problem)
    {
        read = null;
        problem = Read(query, teamId, hostId, ref read);
        return problem is null;
    }

    private static ProblemDetails? Read(IQueryCollection query, Guid? teamId, Guid? hostId, ref SandboxListQuery? read)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in query)
        {
            if (MetadataKey(name) is { } key)
            {
                if (values.Count != 1 || !CreateSandboxRequest.IsValidMetadataPair(key, values[0]!))
                {
                    return Problems.BadRequest($"{name} must be given once, as a metadata key and value a sandbox can have.");
                }
                metadata[key] = values[0]!;
            }
            else if (!TeamParameters.Contains(name) && !(teamId is null && name == "team_id"))
            {
                return Problems.BadRequest(name == "host_id" || name == "team_id"
                    ? $"{name} filters an operator's listing: GET /v1/hosts/{{id}}/sandboxes with the admin key."
                    : $"Unknown query parameter '{name}'; a listing takes {string.Join(", ", TeamParameters)}, metadata.KEY=VALUE and metadata[KEY]=VALUE.");
            }
        }
        var statuses = new List<SandboxStatus>();
        foreach (var value in query["status"])
        {
            if (!SandboxStatuses.TryParse(value!, out var status))
            {
                return Problems.BadRequest($"status must be one of: {string.Join(", ", SandboxStatuses.WireNames)}.");
            }
            statuses.Add(status);
        }
        var template = query["template"].ToString();
        if (query["template"].Count > 1 || (query.ContainsKey("template") && !Slug.IsValid(template, CreateSandboxRequest.MaxTemplateLength)))
        {
            return Problems.BadRequest(Slug.Describe("template", CreateSandboxRequest.MaxTemplateLength));
        }
        if (!TryTime(query, "created_after", out var after, out var badTime) || !TryTime(query, "created_before", out var before, out badTime))
        {
            return badTime;
        }
        var limit = DefaultLimit;
        if (query.ContainsKey("limit") && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Problems.BadRequest($"limit must be a whole number from 1 to {MaxLimit}.");
        }
        Guid? cursor = null;
        if (query.ContainsKey("cursor"))
        {
            if (!Guid.TryParse(query["cursor"], out var parsed))
            {
                return Problems.BadRequest("cursor must be a next_cursor value from a previous page.");
            }
            cursor = parsed;
        }
        var team = teamId;
        if (teamId is null && query.ContainsKey("team_id"))
        {
            if (!Guid.TryParse(query["team_id"], out var parsedTeam))
            {
                return Problems.BadRequest("team_id must be a team id (a UUID).");
            }
            team = parsedTeam;
        }
        read = new SandboxListQuery(
            new SandboxFilter(team, hostId, statuses.Count > 0 ? statuses : null, query.ContainsKey("template") ? template : null,
                metadata.Count > 0 ? metadata : null, after, before),
            limit, cursor);
        return null;
    }

    /// <summary>The metadata key a parameter filters on (<c>metadata.KEY</c> or <c>metadata[KEY]</c>), else null.</summary>
    private static string? MetadataKey(string name) =>
        name.StartsWith(MetadataDot, StringComparison.Ordinal) ? name[MetadataDot.Length..]
        : name.StartsWith(MetadataBracket, StringComparison.Ordinal) && name.EndsWith(']') ? name[MetadataBracket.Length..^1]
        : null;

    private static bool TryTime(IQueryCollection query, string name, out DateTimeOffset? value, out ProblemDetails? problem)
    {
        value = null;
        problem = null;
        if (!query.ContainsKey(name))
        {
            return true;
        }
        if (query[name].Count == 1 && Timestamps.TryParse(query[name]!, out var parsed))
        {
            value = parsed;
            return true;
        }
        problem = Problems.BadRequest($"{name} must be an RFC 3339 time with its offset, such as 2026-12-07T03:28:49.123Z.");
        return false;
    }

    /// <summary>The <c>Link</c> to the next page: this request's query with the cursor moved on.</summary>
    public static string NextLink(HttpRequest request, Guid nextCursor)
    {
        var pairs = request.Query.Where(pair => pair.Key != "cursor")
            .SelectMany(pair => pair.Value.Select(value => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(value ?? "")}"))
            .Append($"cursor={nextCursor}");
        return $"<{request.PathBase}{request.Path}?{string.Join('&', pairs)}>; rel=\"next\"";
    }
}
