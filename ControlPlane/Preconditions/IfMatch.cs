using Lifecycle.Infrastructure.Store;
using Microsoft.Net.Http.Headers;

namespace Lifecycle.ControlPlane.Preconditions;

/// <summary>
/// An <c>If-Match</c> request header: the change applies only while the sandbox's <see cref="SandboxETag"/> is one of
/// <see cref="Tags"/> (compared strongly, so a weak tag never matches), or, for <c>*</c>, while it exists.
/// </summary>
public sealed record IfMatch(IReadOnlyList<EntityTagHeaderValue> Tags)
{
    public bool Matches(SandboxRow row)
    {
        var current = new EntityTagHeaderValue(SandboxETag.Of(row));
        return Tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: true));
    }

    /// <summary>The request's <c>If-Match</c>: null when it has none; false when it is not <c>*</c> or a list of entity tags.</summary>
    public static bool TryRead(HttpRequest request, out IfMatch? ifMatch)
    {
        ifMatch = null;
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return true;
        }
        if (!EntityTagHeaderValue.TryParseStrictList(values, out var tags) || tags.Count == 0)
        {
            return false;
        }
        ifMatch = new IfMatch([.. tags]);
        return true;
    }

    /// <summary>Whether an <c>If-None-Match</c> names the sandbox as it is (a GET is then answered 304).</summary>
    public static bool NoneMatchHits(HttpRequest request, SandboxRow row)
    {
        var values = request.Headers.IfNoneMatch;
        if (values.Count == 0 || !EntityTagHeaderValue.TryParseList(values, out var tags))
        {
            return false;
        }
        var current = new EntityTagHeaderValue(SandboxETag.Of(row));
        // Weak comparison, as RFC 9110 asks of If-None-Match.
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
    }
}
