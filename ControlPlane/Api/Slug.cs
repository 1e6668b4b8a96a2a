using System.Diagnostics.CodeAnalysis;

namespace Lifecycle.ControlPlane.Api;

/// <summary>The one shape of names the API accepts (templates, host and team names): a-z, 0-9, '.', '_' and '-'.</summary>
public static class Slug
{
    /// <summary>The characters of <see cref="IsValid"/>, for the OpenAPI document (the lengths go beside it).</summary>
    public const string Pattern = "^[a-z0-9._-]+$";

    public static bool IsValid([NotNullWhen(true)] string? value, int maxLength) =>
        value is { Length: > 0 } && value.Length <= maxLength && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-');

    public static string Describe(string field, int maxLength) =>
        $"{field} must be 1 to {maxLength} characters of a-z, 0-9, '.', '_' or '-'.";
}
