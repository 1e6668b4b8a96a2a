using System.Text.Json;
using Lifecycle.Contract.Http;
using Lifecycle.Testing.Answers;

namespace Lifecycle.Tests.OpenApi;

/// <summary>What an OpenAPI document says each operation answers: its status codes and the headers on each.</summary>
public sealed class DocumentedAnswers
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    private readonly Dictionary<(string Method, string Path), JsonElement> _operations = [];
    private readonly HashSet<string> _headers = new(StringComparer.OrdinalIgnoreCase);

    public DocumentedAnswers(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(item => Methods.Contains(item.Name)))
            {
                _operations[(operation.Name.ToUpperInvariant(), path.Name)] = operation.Value;
            }
        }
        if (document.TryGetProperty("components", out var components) && components.TryGetProperty("headers", out var headers))
        {
            _headers.UnionWith(headers.EnumerateObject().Select(header => header.Name));
        }
    }

    public static DocumentedAnswers Parse(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    /// <summary>The document's path of a route pattern: one leading slash, none trailing.</summary>
    public static string PathOf(string routePattern) => "/" + routePattern.Trim('/');

    public bool Describes(string method, string routePattern) => _operations.ContainsKey((method, PathOf(routePattern)));

    public bool HasRequestBody(string method, string routePattern) =>
        _operations.TryGetValue((method, PathOf(routePattern)), out var operation) && operation.TryGetProperty("requestBody", out _);

    /// <summary>The credentials the operation takes (any one of them), by security scheme name; none for a public one.</summary>
    public IEnumerable<string> SchemesOf(string method, string routePattern) =>
        _operations.TryGetValue((method, PathOf(routePattern)), out var operation) && operation.TryGetProperty("security", out var security)
            ? security.EnumerateArray().SelectMany(requirement => requirement.EnumerateObject().Select(scheme => scheme.Name))
            : [];

    /// <summary>
    /// What the document leaves out of <paramref name="answer"/> on a route it describes: its status code, or a header
    /// the document knows (under <c>components.headers</c>) that the answer carried but the document does not list
    /// there. Routes it does not describe are another check's business.
    /// </summary>
    public IEnumerable<string> GapsIn(Answer answer)
    {
        if (!_operations.TryGetValue((answer.Method, PathOf(answer.Route)), out var operation))
        {
            yield break;
        }
        var code = answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!operation.GetProperty("responses").TryGetProperty(code, out var response))
        {
            yield return $"{answer.Method} {PathOf(answer.Route)} answered {code}, which the document does not list";
            yield break;
        }
        var listed = response.TryGetProperty("headers", out var headers)
            ? headers.EnumerateObject().Select(header => header.Name).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : [];
        foreach (var header in answer.HeaderNames.Where(name => _headers.Contains(name) && !listed.Contains(name)))
        {
            yield return $"{answer.Method} {PathOf(answer.Route)} answered {code} with {header}, which the document does not list on that answer";
        }
    }
}
