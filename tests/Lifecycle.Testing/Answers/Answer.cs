namespace Lifecycle.Testing.Answers;

/// <summary>
/// One kind of answer a control plane gave: the route's method and pattern, the status code, and the names of the
/// response headers it carried, sorted and joined by commas so that equal answers are equal records.
/// </summary>
public sealed record Answer(string Method, string Route, int Status, string Headers)
{
    public IEnumerable<string> HeaderNames => Headers.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"{Method} {Route} {Status} [{Headers}]";
}
