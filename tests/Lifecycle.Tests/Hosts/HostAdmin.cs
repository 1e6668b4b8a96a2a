using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Tests.Hosts;

/// <summary>An operator's calls on hosts through the admin API, and a team's creates, as the tests of host states make them.</summary>
public sealed class HostAdmin(ControlPlaneHarness harness) : IDisposable
{
    private readonly HttpClient _admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);

    /// <summary>POST /v1/hosts/{id}/{transition} (cordon, uncordon, decommission), with a reason when given.</summary>
    public Task<HttpResponseMessage> TransitionAsync(object hostId, string transition, string? reason = null) =>
        reason is null
            ? _admin.PostAsync($"/v1/hosts/{hostId}/{transition}", null)
            : _admin.PostAsJsonAsync($"/v1/hosts/{hostId}/{transition}", new { reason });

    public async Task<JsonElement> GetAsync(object hostId) => await _admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{hostId}");

    public async Task<string> StatusAsync(object hostId) => (await GetAsync(hostId)).GetProperty("status").GetString()!;

    /// <summary>The host's history as (type, from, to, actor, reason), oldest first.</summary>
    public async Task<List<(string Type, string? From, string To, string Actor, string? Reason)>> HistoryAsync(object hostId)
    {
        var history = await _admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{hostId}/history");
        return [.. history.GetProperty("transitions").EnumerateArray().Select(t => (
            t.GetProperty("type").GetString()!, t.GetProperty("from").GetString(), t.GetProperty("to").GetString()!,
            t.GetProperty("actor").GetString()!, t.GetProperty("reason").GetString()))];
    }

    /// <summary>Registers a host through the admin API; returns its id and token. It is <c>registered</c> until it heartbeats.</summary>
    public async Task<(Guid Id, string Token)> RegisterAsync(string name, string grpcAddress)
    {
        var response = await _admin.PostAsJsonAsync("/v1/hosts", new { name, grpc_address = grpcAddress, csr = TestTrust.NewCsr(name) });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var host = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (host.GetProperty("id").GetGuid(), host.GetProperty("token").GetString()!);
    }

    /// <summary>One heartbeat with the host's own token.</summary>
    public async Task HeartbeatAsync(Guid hostId, string token)
    {
        using var agent = harness.ClientWithKey(token);
        Assert.That((await agent.PostAsync($"/v1/hosts/{hostId}/heartbeat", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    /// <summary>Creates a sandbox with the dev team's key; returns the answer's status, and the sandbox and its host when it is 202.</summary>
    public async Task<(HttpStatusCode Status, string? Id, Guid? HostId)> CreateAsync()
    {
        var response = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return (response.StatusCode, null, null);
        }
        var sandbox = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, sandbox.GetProperty("id").GetString(), sandbox.GetProperty("host_id").GetGuid());
    }

    public void Dispose() => _admin.Dispose();
}
