using System.CommandLine.Parsing;

namespace Lifecycle.Cli.Rendering;

/// <summary>Id arguments and flags (<c>sandbox ID</c>, <c>--host</c>) that say what an id looks like when one is mistyped.</summary>
public static class IdArgument
{
    private const string Example = "01a22d7d-620d-7360-8019-5333e016912d";

    /// <summary>For <c>CustomParser</c>: the id, or a parse error naming the kind of id and showing one.</summary>
    public static Func<ArgumentResult, Guid> Parser(string kind) => result => Parse(result, kind) ?? Guid.Empty;

    /// <summary>As <see cref="Parser"/>, for an optional flag.</summary>
    public static Func<ArgumentResult, Guid?> OptionalParser(string kind) => result => Parse(result, kind);

    private static Guid? Parse(ArgumentResult result, string kind)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }
        result.AddError($"'{text}' is not a {kind} id: a {kind} id is a UUID such as {Example}");
        return null;
    }
}
