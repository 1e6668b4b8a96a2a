using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lifecycle.Testing.Answers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.OpenApi;

/// <summary>
/// The document at <c>/openapi/v1.json</c> of a running control plane describes what the app really maps and
/// answers: every route (from the app's own endpoints), every request body, and every status code the run saw; and
/// its reference page at <c>/docs</c> shows it.
/// </summary>
public sealed partial class OpenApiDocumentTests
{
    private ControlPlaneHarness _harness = null!;
    private DocumentedAnswers _document = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _harness = await ControlPlaneHarness.StartAsync();
        using var anonymous = _harness.ClientWithKey(null);
        _document = DocumentedAnswers.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public void Every_route_the_app_maps_is_described()
    {
        var missing = Routes()
            .Where(route => route.Endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription != true
                || route.Endpoint.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
            .Where(route => !_document.Describes(route.Method, route.Pattern))
            .Select(route => $"{route.Method} {route.Pattern}")
            .ToList();

        Assert.That(Routes(), Is.Not.Empty);
        Assert.That(missing, Is.Empty, "routes the document leaves out");
    }

    [Test]
    public async Task Exactly_the_routes_that_read_a_body_describe_one()
    {
        // A route that reads a body answers one that is not JSON with 415 (docs/contract.md, "REST API"); one that
        // reads none ignores it. Ids are unknown ones, but a host's own for its own routes: a body is read before
        // a lookup, and after a host's ownership check.
        var host = _harness.Fleet.Hosts[0];
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        using var agent = _harness.ClientWithKey(host.Token);
        var clients = new Dictionary<string, HttpClient> { ["TeamKey"] = _harness.Client, ["AdminKey"] = admin, ["HostToken"] = agent };
        var reading = new List<string>();
        var described = new List<string>();
        foreach (var route in Routes().Where(route => route.Method is "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            var scheme = _document.SchemesOf(route.Method, route.Pattern).Single();
            var path = RouteParameter().Replace(route.Pattern, _ => scheme == "HostToken" ? host.HostId.ToString()! : Guid.CreateVersion7().ToString());
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), path) { Content = new StringContent("not json", Encoding.UTF8, "text/plain") };
            using var response = await clients[scheme].SendAsync(request);
            if (response.StatusCode == HttpStatusCode.UnsupportedMediaType)
            {
                reading.Add($"{route.Method} {route.Pattern}");
            }
            if (_document.HasRequestBody(route.Method, route.Pattern))
            {
                described.Add($"{route.Method} {route.Pattern}");
            }
        }

        Assert.That(reading, Does.Contain("POST /v1/sandboxes/"), "create reads a body");
        Assert.That(described, Is.EquivalentTo(reading), "routes whose body the document describes, against those that read one");
    }

    [Test]
    public async Task Every_answer_the_run_has_seen_is_documented()
    {
        var wrong = await WalkTheApiAsync();

        Assert.That(wrong, Is.Empty, "answers other than the walk expects");
        var answers = AnswerLog.Shared.All;
        Assert.That(answers.Select(answer => answer.Status).Distinct(), Is.SupersetOf(new[] { 200, 201, 202, 400, 401, 403, 404, 408, 409, 415 }),
            "the walk saw the answers it is meant to");
        Assert.That(answers.SelectMany(_document.GapsIn).Distinct(), Is.Empty);
    }

    [Test]
    public async Task The_reference_page_serves_its_own_scripts_and_reads_the_document()
    {
        using var anonymous = _harness.ClientWithKey(null);

        using var page = await anonymous.GetAsync("/docs");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.That(html, Does.Contain("openapi/v1.json"));
        var scripts = ScriptSource().Matches(html).Select(match => match.Groups[1].Value).ToList();
        Assert.That(scripts, Is.Not.Empty.And.All.Not.Contains("//"), "every script comes from the control plane itself");
        foreach (var script in scripts)
        {
            using var served = await anonymous.GetAsync(new Uri(page.RequestMessage!.RequestUri!, script));
            Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK), script);
        }
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    private sealed record Route(string Method, string Pattern, RouteEndpoint Endpoint);

    /// <summary>Every route of the app, one per method; a route mapped for every method (a health check) as its GET.</summary>
    private IEnumerable<Route> Routes() =>
        _harness.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get])
                .Select(method => new Route(method, endpoint.RoutePattern.RawText ?? "", endpoint)));

    /// <summary>
    /// A request to every route, and the errors a client meets on them; returns the requests that were answered
    /// otherwise than expected.
    /// </summary>
    private async Task<List<string>> WalkTheApiAsync()
    {
        var wrong = new List<string>();
        var team = _harness.Client;
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        using var anonymous = _harness.ClientWithKey(null);
        var host = _harness.Fleet.Hosts[0];
        using var agent = _harness.ClientWithKey(host.Token);
        var unknown = Guid.CreateVersion7();

        async Task<JsonElement> Expect(HttpClient client, HttpMethod method, string path, HttpStatusCode expected, string? json = null, string contentType = "application/json")
        {
            using var request = new HttpRequestMessage(method, path);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue(contentType));
            }
            using var response = await client.SendAsync(request);
            if (response.StatusCode != expected)
            {
                wrong.Add($"{method} {path}: {(int)response.StatusCode}, expected {(int)expected}");
            }
            var text = await response.Content.ReadAsStringAsync();
            return text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        }

        await Expect(anonymous, HttpMethod.Get, "/healthz", HttpStatusCode.OK);
        await Expect(anonymous, HttpMethod.Get, "/readyz", HttpStatusCode.OK);
        await Expect(anonymous, HttpMethod.Get, "/metrics", HttpStatusCode.OK);
        await Expect(anonymous, HttpMethod.Get, "/v1/sandboxes", HttpStatusCode.Unauthorized);

        var created = await Expect(team, HttpMethod.Post, "/v1/sandboxes", HttpStatusCode.Accepted, """{"template": "base", "metadata": {"owner": "openapi"}}""");
        var id = created.GetProperty("id").GetString();
        await Expect(team, HttpMethod.Post, "/v1/sandboxes", HttpStatusCode.BadRequest, """{"vcpus": "two"}""");
        await Expect(team, HttpMethod.Post, "/v1/sandboxes", HttpStatusCode.UnsupportedMediaType, "vcpus=2", "text/plain");
        await Expect(team, HttpMethod.Get, "/v1/sandboxes?status=running&limit=10", HttpStatusCode.OK);
        await Expect(team, HttpMethod.Get, "/v1/sandboxes?limit=lots", HttpStatusCode.BadRequest);
        await Expect(team, HttpMethod.Get, $"/v1/sandboxes/{id}", HttpStatusCode.OK);
        await Expect(team, HttpMethod.Get, "/v1/sandboxes/not-a-uuid", HttpStatusCode.BadRequest);
        await Expect(team, HttpMethod.Get, $"/v1/sandboxes/{unknown}", HttpStatusCode.NotFound);
        await Expect(team, HttpMethod.Get, $"/v1/sandboxes/{id}/wait?status=running&timeout=10s", HttpStatusCode.OK);
        await Expect(team, HttpMethod.Get, $"/v1/sandboxes/{id}/wait?status=starting&timeout=1s", HttpStatusCode.Conflict);
        await Expect(team, HttpMethod.Get, $"/v1/sandboxes/{id}/wait?status=paused&timeout=10ms", HttpStatusCode.RequestTimeout);
        await Expect(team, HttpMethod.Post, $"/v1/sandboxes/{id}/resume", HttpStatusCode.Conflict);
        await Expect(team, HttpMethod.Post, $"/v1/sandboxes/{id}/timeout", HttpStatusCode.OK, """{"timeout_sec": 600}""");
        await Expect(team, HttpMethod.Post, $"/v1/sandboxes/{id}/timeout", HttpStatusCode.BadRequest, "{}");
        await Expect(team, HttpMethod.Post, $"/v1/sandboxes/{id}/connect", HttpStatusCode.OK);
        await Expect(team, HttpMethod.Post, $"/v1/sandboxes/{id}/pause", HttpStatusCode.Accepted);
        await _harness.WaitForStatusAsync(id!, "paused");
        await Expect(team, HttpMethod.Post, $"/v1/sandboxes/{id}/resume", HttpStatusCode.Accepted);
        await Expect(team, HttpMethod.Get, $"/v1/sandboxes/{id}/events?limit=2", HttpStatusCode.OK);
        await Expect(team, HttpMethod.Delete, $"/v1/sandboxes/{id}", HttpStatusCode.Accepted);
        await Expect(team, HttpMethod.Get, "/v1/quota", HttpStatusCode.OK);

        var hostId = host.HostId;
        await Expect(admin, HttpMethod.Get, "/v1/hosts", HttpStatusCode.OK);
        await Expect(admin, HttpMethod.Get, $"/v1/hosts/{hostId}", HttpStatusCode.OK);
        await Expect(admin, HttpMethod.Get, $"/v1/hosts/{unknown}", HttpStatusCode.NotFound);
        await Expect(admin, HttpMethod.Get, $"/v1/hosts/{hostId}/history", HttpStatusCode.OK);
        await Expect(admin, HttpMethod.Post, $"/v1/hosts/{hostId}/cordon", HttpStatusCode.OK, """{"reason": "openapi walk"}""");
        await Expect(admin, HttpMethod.Post, $"/v1/hosts/{hostId}/drain", HttpStatusCode.BadRequest, """{"mode": "explode", "deadline_sec": 60}""");
        await Expect(admin, HttpMethod.Post, $"/v1/hosts/{hostId}/drain", HttpStatusCode.Accepted, """{"mode": "pause", "deadline_sec": 60}""");
        await Expect(admin, HttpMethod.Post, $"/v1/hosts/{hostId}/cordon", HttpStatusCode.Conflict);
        await Expect(admin, HttpMethod.Post, $"/v1/hosts/{hostId}/drain", HttpStatusCode.Conflict, """{"mode": "pause", "deadline_sec": 60}""");
        await Expect(admin, HttpMethod.Post, $"/v1/hosts/{hostId}/uncordon", HttpStatusCode.OK);
        await Expect(admin, HttpMethod.Post, "/v1/hosts", HttpStatusCode.BadRequest, """{"name": "Not A Slug"}""");
        await Expect(admin, HttpMethod.Post, $"/v1/hosts/{unknown}/decommission", HttpStatusCode.NotFound);

        var teamName = $"openapi-{Guid.NewGuid():N}"[..24];
        var newTeam = await Expect(admin, HttpMethod.Post, "/v1/teams", HttpStatusCode.Created, $$"""{"name": "{{teamName}}"}""");
        var teamId = newTeam.GetProperty("id").GetString();
        await Expect(admin, HttpMethod.Post, "/v1/teams", HttpStatusCode.Conflict, $$"""{"name": "{{teamName}}"}""");
        await Expect(admin, HttpMethod.Get, "/v1/teams", HttpStatusCode.OK);
        var key = await Expect(admin, HttpMethod.Post, $"/v1/teams/{teamId}/keys", HttpStatusCode.Created);
        await Expect(admin, HttpMethod.Delete, $"/v1/teams/{teamId}/keys/{key.GetProperty("id").GetString()}", HttpStatusCode.OK);
        await Expect(admin, HttpMethod.Delete, $"/v1/teams/{teamId}/keys/{unknown}", HttpStatusCode.NotFound);
        await Expect(admin, HttpMethod.Put, $"/v1/teams/{teamId}/quotas", HttpStatusCode.OK, """{"max_vcpus": 64, "max_paused_sandboxes": null}""");
        await Expect(admin, HttpMethod.Put, $"/v1/teams/{teamId}/quotas", HttpStatusCode.BadRequest, """{"max_gpus": 1}""");

        await Expect(agent, HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", HttpStatusCode.Accepted);
        await Expect(agent, HttpMethod.Post, $"/v1/hosts/{unknown}/heartbeat", HttpStatusCode.Forbidden);
        var report = $$"""{"event_id": "{{Guid.NewGuid()}}", "sandbox_id": "{{unknown}}", "type": "exited", "at": "2026-01-01T00:00:00Z", "sequence": 1}""";
        await Expect(agent, HttpMethod.Post, "/v1/hosts/sandbox-events", HttpStatusCode.NotFound, report);
        await Expect(agent, HttpMethod.Post, "/v1/hosts/sandbox-events", HttpStatusCode.BadRequest, """{"type": "rebooted"}""");
        await Expect(agent, HttpMethod.Post, $"/v1/hosts/{hostId}/certificate", HttpStatusCode.BadRequest, """{"csr": "not a csr", "proof": "AA=="}""");
        return wrong;
    }
}
