using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.Hosts;

/// <summary>The admin and host endpoints: who may call what, and what a decommission revokes.</summary>
public sealed class HostApiTests
{
    private static ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public static async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public static async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task A_registered_host_heartbeats_with_its_token_until_it_is_decommissioned()
    {
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var response = await admin.PostAsJsonAsync("/v1/hosts", new { name = "edge-1", grpc_address = "https://10.0.0.1:9101", csr = TestTrust.NewCsr() });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var host = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = host.GetProperty("id").GetString();
        var token = host.GetProperty("token").GetString()!;
        Assert.That(token, Does.StartWith("lch_").And.Length.GreaterThan(40));
        using var agent = _harness.ClientWithKey(token);

        Assert.That((await agent.PostAsync($"/v1/hosts/{id}/heartbeat", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var listed = await admin.GetFromJsonAsync<JsonElement>("/v1/hosts");
        var entry = listed.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("id").GetString() == id);
        Assert.That(entry.TryGetProperty("token", out _), Is.False, "the token is shown once, at registration");

        Assert.That((await admin.PostAsync($"/v1/hosts/{id}/decommission", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var ghost = await agent.PostAsync($"/v1/hosts/{id}/heartbeat", null);
        Assert.That(ghost.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a decommissioned host's token is dead");
        Assert.That(ghost.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var after = await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{id}");
        Assert.That(after.GetProperty("status").GetString(), Is.EqualTo("decommissioned"));

        var again = await admin.PostAsJsonAsync("/v1/hosts", new { name = "edge-1", grpc_address = "https://10.0.0.1:9101", csr = TestTrust.NewCsr() });
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the machine registers again as a new host");
        Assert.That((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString(), Is.Not.EqualTo(id));
    }

    [Test]
    public async Task A_name_in_service_cannot_be_registered_twice()
    {
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        (await admin.PostAsJsonAsync("/v1/hosts", new { name = "edge-2", grpc_address = "https://10.0.0.2:9101", csr = TestTrust.NewCsr() })).EnsureSuccessStatusCode();

        var second = await admin.PostAsJsonAsync("/v1/hosts", new { name = "edge-2", grpc_address = "https://10.0.0.3:9101", csr = TestTrust.NewCsr() });

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task A_host_may_heartbeat_only_for_itself()
    {
        var simulated = _harness.Fleet.Hosts[0];
        using var agent = _harness.ClientWithKey(simulated.Token);
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var other = await (await admin.PostAsJsonAsync("/v1/hosts", new { name = "edge-3", grpc_address = "https://10.0.0.4:9101", csr = TestTrust.NewCsr() }))
            .Content.ReadFromJsonAsync<JsonElement>();

        var response = await agent.PostAsync($"/v1/hosts/{other.GetProperty("id").GetString()}/heartbeat", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [TestCase("{\"name\":\"\",\"grpc_address\":\"http://10.0.0.1:1\"}")]
    [TestCase("{\"name\":\"Upper\",\"grpc_address\":\"http://10.0.0.1:1\"}")]
    [TestCase("{\"name\":\"ok\",\"grpc_address\":\"ftp://10.0.0.1:1\"}")]
    [TestCase("{\"name\":\"ok\",\"grpc_address\":\"http://10.0.0.1:1/path\"}")]
    [TestCase("{\"name\":\"ok\",\"grpc_address\":\"not a url\"}")]
    [TestCase("{\"name\":\"ok\"}")]
    [TestCase("{\"name\":\"ok\",\"grpc_address\":\"http://10.0.0.1:1\",\"extra\":1}")]
    [TestCase("{\"name\":7,\"grpc_address\":\"http://10.0.0.1:1\"}")]
    public async Task Bad_registrations_are_400_problems(string body)
    {
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);

        var response = await admin.PostAsync("/v1/hosts", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [TestCase(null)]
    [TestCase(ControlPlaneHarness.ApiKey)]
    [TestCase("wrong-admin-key")]
    public async Task Admin_endpoints_take_only_the_admin_key(string? key)
    {
        using var client = _harness.ClientWithKey(key);

        Assert.That((await client.GetAsync("/v1/hosts")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await client.PostAsync("/v1/reconcile", null)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_host_token_is_not_a_team_key()
    {
        using var agent = _harness.ClientWithKey(_harness.Fleet.Hosts[0].Token);

        Assert.That((await agent.GetAsync("/v1/sandboxes")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await agent.GetAsync("/v1/hosts")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
