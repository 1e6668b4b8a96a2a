using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Trust;

namespace Lifecycle.HostAgentSim.ControlPlaneLink;

/// <summary>
/// What a host agent says to the control plane: it registers (with the operators' admin key, as a
/// provisioning script would, sending a CSR for its own key), then heartbeats with its own token and
/// renews its certificate. Registration and every heartbeat carry the capacity the host lends its sandboxes.
/// </summary>
public sealed class ControlPlaneClient(HttpClient http, string adminKey, FleetTrust trust, bool insecure, HostCapacity capacity)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Registers the host under its name, retrying while the control plane is not up. A host of that
    /// name still in service (this machine's previous life) is decommissioned first: a machine that
    /// registers again is a new host.
    /// </summary>
    public async Task RegisterAsync(SimulatedHost host, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                var (key, csr) = insecure ? (null, null) : HostKeys.NewSigningRequest(host.Name);
                using var response = await SendAsync(HttpMethod.Post, "/v1/hosts", adminKey,
                    new { name = host.Name, grpc_address = host.Address, csr, capacity }, ct);
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    await DecommissionByNameAsync(host.Name, ct);
                    continue;
                }
                response.EnsureSuccessStatusCode();
                var registered = await response.Content.ReadFromJsonAsync<Registered>(Json, ct);
                if (key is not null)
                {
                    trust.Learn(registered!.CaCertificate!);
                    host.Install(registered.Certificate!, key);
                }
                host.HostId = registered!.Id;
                host.Token = registered.Token;
                return;
            }
            catch (HttpRequestException ex) when (ex.StatusCode is null or >= HttpStatusCode.InternalServerError)
            {
                // Not up yet, or restarting.
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    /// <summary>One heartbeat; true when the control plane accepted it.</summary>
    public async Task<bool> HeartbeatAsync(SimulatedHost host, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/v1/hosts/{host.HostId}/heartbeat", host.Token!, new { capacity }, ct);
        return response.StatusCode == HttpStatusCode.Accepted;
    }

    /// <summary>
    /// Renews the host's certificate: a new key and CSR, with the current key's signature over the CSR as
    /// proof. Installs the new certificate on 200; returns the control plane's answer.
    /// </summary>
    public async Task<HttpStatusCode> RenewAsync(SimulatedHost host, CancellationToken ct)
    {
        var current = host.Certificate ?? throw new InvalidOperationException($"host {host.Name} has no certificate to renew");
        var (key, csr) = HostKeys.NewSigningRequest(host.Name);
        using var response = await SendAsync(HttpMethod.Post, $"/v1/hosts/{host.HostId}/certificate", host.Token!,
            new { csr, proof = HostKeys.Proof(current, csr) }, ct);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var renewed = await response.Content.ReadFromJsonAsync<Renewed>(Json, ct);
            host.Install(renewed!.Certificate, key);
        }
        return response.StatusCode;
    }

    /// <summary>One report; the control plane's answer (202 when accepted).</summary>
    public async Task<HttpStatusCode> ReportAsync(SimulatedHost host, HostReport report, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/hosts/sandbox-events", host.Token!, new
        {
            event_id = report.EventId,
            sandbox_id = report.SandboxId,
            type = report.Type,
            reason = report.Reason,
            at = report.At,
            sequence = report.Sequence,
        }, ct);
        return response.StatusCode;
    }

    private async Task DecommissionByNameAsync(string name, CancellationToken ct)
    {
        using var list = await SendAsync(HttpMethod.Get, "/v1/hosts", adminKey, null, ct);
        list.EnsureSuccessStatusCode();
        var hosts = await list.Content.ReadFromJsonAsync<HostList>(Json, ct);
        foreach (var old in hosts!.Hosts.Where(h => h.Name == name && h.Status != "decommissioned"))
        {
            using var response = await SendAsync(HttpMethod.Post, $"/v1/hosts/{old.Id}/decommission", adminKey, null, ct);
            response.EnsureSuccessStatusCode();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string bearer, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }
        return await http.SendAsync(request, ct);
    }

    private sealed record Registered(Guid Id, string Token, string? Certificate, string? CaCertificate);

    private sealed record Renewed(string Certificate, string CaCertificate);

    private sealed record HostList(List<HostEntry> Hosts);

    private sealed record HostEntry(Guid Id, string Name, string Status);
}
