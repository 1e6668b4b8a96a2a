namespace Lifecycle.Tests.Docs;

/// <summary>The walk-through's reading of the README's comments: what it runs and what it demands of each answer.</summary>
public sealed class WalkthroughCheckTests
{
    private const string Markdown = """
        ## Walk-through

        Some prose.

        ```sh
        KEY='Authorization: Bearer dev-key'
        CREATED=$(curl -si -X POST localhost:8080/v1/sandboxes -H "$KEY" \
             -d '{"template":"base"}')
        echo "$CREATED"
        # 202 Accepted, `Location: /v1/sandboxes/…`: {"id":"…","status":"starting","version":1,…}

        # prose about the next command, not an answer: "status":"never"
        curl -s localhost:8080/v1/sandboxes/$ID -H "$KEY"   # {"status":"running","vcpus":1}
        ```

        ## Fault tests

        ```sh
        kill -9 $(cat .run/control-plane.pid)   # "status":"gone"
        ```
        """;

    private static readonly IReadOnlyList<WalkthroughStep> Steps = ReadmeWalkthrough.Parse(Markdown, "## Walk-through", "## Fault tests");

    [Test]
    public void Commands_are_read_with_their_continuation_lines_and_only_from_the_section()
    {
        Assert.That(Steps.Select(s => s.Command), Is.EqualTo(new[]
        {
            "KEY='Authorization: Bearer dev-key'",
            "CREATED=$(curl -si -X POST localhost:8080/v1/sandboxes -H \"$KEY\" \\\n     -d '{\"template\":\"base\"}')",
            "echo \"$CREATED\"",
            "curl -s localhost:8080/v1/sandboxes/$ID -H \"$KEY\"   # {\"status\":\"running\",\"vcpus\":1}",
        }));
    }

    [Test]
    public void A_comment_line_below_a_command_is_its_answer_and_prose_after_a_blank_line_is_not()
    {
        Assert.That(Steps[2].Status, Is.EqualTo(202));
        Assert.That(Steps[2].Fragments.Select(f => f.Shown), Is.EqualTo(new[] { "\"id\":\"…\"", "\"status\":\"starting\"", "\"version\":1", "`Location: /v1/sandboxes/…`" }));
        Assert.That(Steps[3].Fragments.Select(f => f.Shown), Is.EqualTo(new[] { "\"status\":\"running\"", "\"vcpus\":1" }));
        Assert.That(Steps[0].Fragments, Is.Empty);
    }

    [Test]
    public void An_answer_as_promised_passes()
    {
        var output = "HTTP/1.1 202 Accepted\r\nLocation: /v1/sandboxes/01a2\r\n\r\n{\"id\":\"01a2\",\"status\":\"starting\",\"version\":1,\"vcpus\":1}";
        Assert.That(ReadmeWalkthrough.Check(Steps[2], output, 0), Is.Empty);
    }

    [Test]
    public void A_header_name_matches_in_any_case_as_through_a_balancer()
    {
        var output = "HTTP/1.1 202 Accepted\r\nlocation: /v1/sandboxes/01a2\r\n\r\n{\"id\":\"01a2\",\"status\":\"starting\",\"version\":1}";
        Assert.That(ReadmeWalkthrough.Check(Steps[2], output, 0), Is.Empty);
    }

    [TestCase("HTTP/1.1 409 Conflict\r\nLocation: /v1/sandboxes/01a2\r\n\r\n{\"id\":\"01a2\",\"status\":\"starting\",\"version\":1}", "the output 409")]
    [TestCase("{\"id\":\"01a2\",\"status\":\"starting\",\"version\":1}", "no HTTP status line")]
    [TestCase("HTTP/1.1 202 Accepted\r\nLocation: /v1/sandboxes/01a2\r\n\r\n{\"id\":\"01a2\",\"status\":\"running\",\"version\":1}", "lacks \"status\":\"starting\"")]
    [TestCase("HTTP/1.1 202 Accepted\r\nLocation: /v1/sandboxes/01a2\r\n\r\n{\"id\":\"01a2\",\"status\":\"starting\",\"version\":12}", "lacks \"version\":1")]
    [TestCase("HTTP/1.1 202 Accepted\r\n\r\n{\"id\":\"01a2\",\"status\":\"starting\",\"version\":1}", "lacks `Location")]
    [TestCase("HTTP/1.1 202 Accepted\r\nX-Note: Location: /v1/sandboxes/01a2\r\n\r\n{\"id\":\"01a2\",\"status\":\"starting\",\"version\":1}", "lacks `Location")]
    public void An_answer_unlike_the_promise_is_named(string output, string named)
    {
        Assert.That(ReadmeWalkthrough.Check(Steps[2], output, 0), Has.Some.Contains(named));
    }

    [Test]
    public void A_command_that_fails_fails_its_step()
    {
        Assert.That(ReadmeWalkthrough.Check(Steps[0], "", 127), Is.EqualTo(new[] { "exited 127" }));
    }
}
