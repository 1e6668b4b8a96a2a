using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.Capacity;

/// <summary>
/// A host reports what it lets its sandboxes use (<c>capacity</c>) when it registers and in any heartbeat; the admin
/// API shows the latest; a heartbeat that says nothing keeps it; a capacity out of range is a 400 naming the field.
/// </summary>
public sealed class HostCapacityApiTests
{
    private ControlPlaneHarness _harness = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _harness = await ControlPlaneHarness.StartAsync();
        _admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _admin.Dispose();
        await _harness.DisposeAsync();
    }

    [Test]
    public async Task Registration_and_heartbeats_set_the_capacity_the_admin_API_shows()
    {
        var registered = await RegisterAsync("sized", new { vcpus = 16, memory_mb = 32_768 });
        Assert.That(Capacity(registered), Is.EqualTo((16, 32_768)), "the registration's answer shows it");
        Assert.That(registered.GetProperty("allocated").GetRawText(), Is.EqualTo("""{"vcpus":0,"memory_mb":0}"""), "nothing on it yet");
        var (id, token) = (registered.GetProperty("id").GetGuid(), registered.GetProperty("token").GetString()!);
        using var agent = _harness.ClientWithKey(token);

        Assert.That((await agent.PostAsJsonAsync($"/v1/hosts/{id}/heartbeat", new { capacity = new { vcpus = 8, memory_mb = 16_384 } })).StatusCode,
            Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Capacity(await GetAsync(id)), Is.EqualTo((8, 16_384)), "a heartbeat's capacity replaces it");

        Assert.That((await agent.PostAsync($"/v1/hosts/{id}/heartbeat", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Capacity(await GetAsync(id)), Is.EqualTo((8, 16_384)), "a heartbeat that says nothing keeps it");
    }

    [Test]
    public async Task A_host_that_never_reported_a_capacity_shows_none()
    {
        var registered = await RegisterAsync("unsized", null);
        Assert.That(registered.TryGetProperty("capacity", out _), Is.False);
        Assert.That((await GetAsync(registered.GetProperty("id").GetGuid())).TryGetProperty("capacity", out _), Is.False);
    }

    [TestCase("""{"vcpus": 0, "memory_mb": 1024}""", "capacity.vcpus")]
    [TestCase("""{"vcpus": 4}""", "capacity.memory_mb")]
    [TestCase("""{"vcpus": 4, "memory_mb": 1024, "disk_mb": 1}""", "Unknown field")]
    [TestCase("""{"vcpus": 4, "memory_mb": 99999999999}""", "wrong type or is out of range")]
    public async Task A_capacity_out_of_range_is_a_400_naming_it_at_registration_and_in_a_heartbeat(string capacity, string named)
    {
        using var registration = new StringContent($$"""{"name": "bad-{{Guid.NewGuid():N}}", "grpc_address": "https://10.0.0.30:9101", "csr": {{JsonSerializer.Serialize(TestTrust.NewCsr("bad"))}}, "capacity": {{capacity}}}""",
            System.Text.Encoding.UTF8, "application/json");
        var refused = await _admin.PostAsync("/v1/hosts", registration);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain(named));

        var host = await RegisterAsync($"beat-{Guid.NewGuid():N}"[..20], null);
        using var agent = _harness.ClientWithKey(host.GetProperty("token").GetString()!);
        using var beat = new StringContent($$"""{"capacity": {{capacity}}}""", System.Text.Encoding.UTF8, "application/json");
        var refusedBeat = await agent.PostAsync($"/v1/hosts/{host.GetProperty("id").GetGuid()}/heartbeat", beat);
        Assert.That(refusedBeat.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await refusedBeat.Content.ReadAsStringAsync(), Does.Contain(named));
    }

    private async Task<JsonElement> RegisterAsync(string name, object? capacity)
    {
        var response = await _admin.PostAsJsonAsync("/v1/hosts", new { name, grpc_address = "https://10.0.0.30:9101", csr = TestTrust.NewCsr(name), capacity });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> GetAsync(Guid id) => await _admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{id}");

    private static (int, int) Capacity(JsonElement host) =>
        (host.GetProperty("capacity").GetProperty("vcpus").GetInt32(), host.GetProperty("capacity").GetProperty("memory_mb").GetInt32());
}
