using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>The ids in request paths: UUIDs, anything else a 400 naming the kind of id.</summary>
public static class PathIds
{
    /// <summary><paramref name="what"/> names the kind of id in the problem ("sandbox", "host").</summary>
    public static bool TryParse(string id, string what, out Guid value, [NotNullWhen(false)] out ProblemDetails? problem)
    {
        problem = Guid.TryParse(id, out value) ? null : Problems.BadId(id, what);
        return problem is null;
    }
}
