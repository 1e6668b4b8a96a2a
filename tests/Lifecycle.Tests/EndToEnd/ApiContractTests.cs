using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lifecycle.ControlPlane.Teams;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>What API clients get for bad input, impossible requests, repeats and other teams' sandboxes.</summary>
public sealed class ApiContractTests
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task The_openapi_document_describes_every_route_with_the_names_clients_send()
    {
        using var anonymous = _harness.ClientWithKey(null);

        var response = await anonymous.GetAsync("/openapi/v1.json");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/v1/sandboxes", "/v1/sandboxes/{id}", "/v1/sandboxes/{id}/pause", "/v1/sandboxes/{id}/resume",
            "/v1/sandboxes/{id}/wait", "/v1/sandboxes/{id}/events", "/v1/hosts/{id}/heartbeat", "/v1/hosts/sandbox-events",
            "/v1/hosts/{id}/cordon", "/v1/hosts/{id}/uncordon", "/v1/hosts/{id}/history",
        }));
        var sandbox = document.GetProperty("components").GetProperty("schemas").GetProperty("SandboxResponse").GetProperty("properties");
        Assert.That(sandbox.EnumerateObject().Select(p => p.Name), Does.Contain("last_error").And.Contain("memory_mb"));
        var wait = document.GetProperty("paths").GetProperty("/v1/sandboxes/{id}/wait").GetProperty("get");
        Assert.That(wait.GetProperty("responses").EnumerateObject().Select(r => r.Name), Is.SupersetOf(new[] { "200", "400", "404", "408", "409" }),
            "the problems a client must handle are declared");
    }

    [TestCase("{\"vcpus\": 1", "Malformed JSON")]
    [TestCase("{\"vcpus\": 1, \"colour\": \"red\"}", "Unknown field")]
    [TestCase("{\"vcpus\": -1}", "vcpus")]
    [TestCase("{\"vcpus\": 0}", "vcpus")]
    [TestCase("{\"memory_mb\": 99999999999999}", "memory_mb")]
    [TestCase("{\"memory_mb\": 1e400}", "memory_mb")]
    [TestCase("{\"memory_mb\": 64}", "memory_mb")]
    [TestCase("{\"timeout_sec\": -5}", "timeout_sec")]
    [TestCase("{\"vcpus\": \"two\"}", "vcpus")]
    [TestCase("{\"template\": \"\"}", "template")]
    [TestCase("{\"template\": \"../../etc\"}", "template")]
    [TestCase("{\"template\": null}", "template")]
    [TestCase("{\"metadata\": {\"k\": 5}}", "metadata")]
    [TestCase("{\"metadata\": {\"\": \"empty key\"}}", "metadata")]
    [TestCase("[1, 2]", "$")]
    [TestCase("null", "null")]
    [TestCase("\"\\u0000\"", "$")]
    public async Task Bad_create_bodies_are_400_problems_and_create_nothing(string body, string mentions)
    {
        var before = await CountSandboxesAsync();
        var response = await _harness.Client.PostAsync("/v1/sandboxes", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, mentions);
        Assert.That(await CountSandboxesAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Too_much_metadata_is_a_400_problem()
    {
        var metadata = Enumerable.Range(0, 33).ToDictionary(i => $"k{i}", i => "v");
        var response = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { metadata });
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "metadata");
    }

    [Test]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        var response = await _harness.Client.PostAsync("/v1/sandboxes", new StringContent("vcpus=1", Encoding.UTF8, "text/plain"));
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "JSON");
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("Unsupported media type"));
    }

    [Test]
    public async Task The_frameworks_problems_and_the_apis_share_one_style_of_type()
    {
        var ours = await AssertProblemAsync(await _harness.Client.GetAsync("/v1/sandboxes/not-a-uuid"), HttpStatusCode.BadRequest, "");
        var methodNotAllowed = await _harness.Client.PutAsync("/v1/sandboxes", null);
        var text = await methodNotAllowed.Content.ReadAsStringAsync();
        Assert.That(methodNotAllowed.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed), text);
        var framework = JsonDocument.Parse(text).RootElement;

        Assert.That(ours.GetProperty("type").GetString(), Is.EqualTo("https://httpstatuses.io/400"));
        Assert.That(framework.GetProperty("type").GetString(), Is.EqualTo("https://httpstatuses.io/405"), text);
    }

    [TestCase("GET", "/v1/sandboxes/not-a-uuid")]
    [TestCase("POST", "/v1/sandboxes/not-a-uuid/pause")]
    [TestCase("POST", "/v1/sandboxes/12345/resume")]
    [TestCase("DELETE", "/v1/sandboxes/0000-zzzz")]
    [TestCase("GET", "/v1/sandboxes?status=sleeping")]
    [TestCase("GET", "/v1/sandboxes?limit=0")]
    [TestCase("GET", "/v1/sandboxes?limit=100000")]
    [TestCase("GET", "/v1/sandboxes?cursor=abc")]
    public async Task Bad_ids_and_query_values_are_400_problems(string method, string path)
    {
        var response = await _harness.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "");
    }

    [Test]
    public async Task Requests_without_a_valid_key_are_401_problems()
    {
        using var anonymous = _harness.ClientWithKey(null);
        await AssertProblemAsync(await anonymous.GetAsync("/v1/sandboxes"), HttpStatusCode.Unauthorized, "API key");
        using var wrong = _harness.ClientWithKey("not-a-key");
        await AssertProblemAsync(await wrong.PostAsJsonAsync("/v1/sandboxes", new { }), HttpStatusCode.Unauthorized, "API key");
    }

    [Test]
    public async Task Pausing_a_stopped_sandbox_is_a_409_naming_stopped()
    {
        var id = await CreateAsync();
        await _harness.WaitForStatusAsync(id, "running");
        Assert.That((await _harness.Client.DeleteAsync($"/v1/sandboxes/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await _harness.WaitForStatusAsync(id, "stopped");

        var problem = await AssertProblemAsync(await _harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null), HttpStatusCode.Conflict, "stopped");
        Assert.That(problem.GetProperty("current_status").GetString(), Is.EqualTo("stopped"));
        await AssertProblemAsync(await _harness.Client.DeleteAsync($"/v1/sandboxes/{id}"), HttpStatusCode.Conflict, "stopped");
    }

    [Test]
    public async Task Resuming_a_running_sandbox_is_a_409_naming_running()
    {
        var id = await CreateAsync();
        await _harness.WaitForStatusAsync(id, "running");
        await AssertProblemAsync(await _harness.Client.PostAsync($"/v1/sandboxes/{id}/resume", null), HttpStatusCode.Conflict, "running");
    }

    [Test]
    public async Task Repeating_a_pause_under_way_is_accepted_and_changes_nothing()
    {
        var id = await CreateAsync();
        await _harness.WaitForStatusAsync(id, "running");
        var host = _harness.Fleet.Hosts[0];
        host.Freeze();
        try
        {
            var first = await _harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null);
            var second = await _harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null);
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            var a = await first.Content.ReadFromJsonAsync<JsonElement>();
            var b = await second.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(b.GetProperty("status").GetString(), Is.EqualTo("pausing"));
            Assert.That(b.GetProperty("version").GetInt64(), Is.EqualTo(a.GetProperty("version").GetInt64()));
        }
        finally
        {
            host.Unfreeze();
        }
        await _harness.WaitForStatusAsync(id, "paused");
    }

    [Test]
    public async Task Another_teams_sandbox_is_a_404()
    {
        var id = await CreateAsync();
        var teams = _harness.Services.GetRequiredService<TeamStore>();
        await teams.EnsureTeamWithKeyAsync("other-team", "other-team-key", CancellationToken.None);
        using var other = _harness.ClientWithKey("other-team-key");

        await AssertProblemAsync(await other.GetAsync($"/v1/sandboxes/{id}"), HttpStatusCode.NotFound, id);
        await AssertProblemAsync(await other.PostAsync($"/v1/sandboxes/{id}/pause", null), HttpStatusCode.NotFound, id);
        await AssertProblemAsync(await other.DeleteAsync($"/v1/sandboxes/{id}"), HttpStatusCode.NotFound, id);
        var page = await other.GetFromJsonAsync<JsonElement>("/v1/sandboxes");
        Assert.That(page.GetProperty("sandboxes").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task An_unknown_sandbox_is_a_404()
    {
        await AssertProblemAsync(await _harness.Client.GetAsync($"/v1/sandboxes/{Guid.CreateVersion7()}"), HttpStatusCode.NotFound, "No sandbox");
    }

    [Test]
    public async Task The_same_idempotency_key_creates_one_sandbox()
    {
        var key = Guid.NewGuid().ToString();
        async Task<string> CreateWithKeyAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = JsonContent.Create(new { }) };
            request.Headers.Add("Idempotency-Key", key);
            var response = await _harness.Client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        var first = await CreateWithKeyAsync();
        var second = await CreateWithKeyAsync();
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public async Task Listing_pages_through_a_teams_sandboxes_newest_first()
    {
        var teams = _harness.Services.GetRequiredService<TeamStore>();
        var key = $"list-{Guid.NewGuid():N}";
        await teams.EnsureTeamWithKeyAsync(key, key, CancellationToken.None);
        using var client = _harness.ClientWithKey(key);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var created = await client.PostAsJsonAsync("/v1/sandboxes", new { });
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        var first = await client.GetFromJsonAsync<JsonElement>("/v1/sandboxes?limit=2");
        var cursor = first.GetProperty("next_cursor").GetString();
        var second = await client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes?limit=2&cursor={cursor}");
        var listed = first.GetProperty("sandboxes").EnumerateArray().Concat(second.GetProperty("sandboxes").EnumerateArray())
            .Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.That(listed, Is.EqualTo(Enumerable.Reverse(ids)));
        Assert.That(second.GetProperty("next_cursor").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var starting = await client.GetFromJsonAsync<JsonElement>("/v1/sandboxes?status=stopped");
        Assert.That(starting.GetProperty("sandboxes").GetArrayLength(), Is.Zero);
    }

    private async Task<string> CreateAsync()
    {
        var created = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string mentions)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo((int)status));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain(mentions), text);
        return problem;
    }

    private async Task<long> CountSandboxesAsync()
    {
        await using var conn = _harness.Database.DataSource.CreateConnection();
        await conn.OpenAsync();
        await using var command = conn.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sandboxes";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
