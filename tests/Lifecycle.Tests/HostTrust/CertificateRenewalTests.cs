using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim.Trust;
using Lifecycle.Infrastructure.HostAgents;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.HostTrust;

/// <summary>Hosts renew their certificates before they expire, proving they hold the current key.</summary>
public sealed class CertificateRenewalTests
{
    [Test]
    public async Task A_host_renews_before_its_certificate_expires_and_is_still_called_over_tls_after_it_has()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 1, heartbeatMs: 200, settings: new Dictionary<string, string?>
        {
            ["Lifecycle:HostTrust:CertificateLifetime"] = "00:00:08",
        });
        var host = harness.Fleet.Hosts[0];
        var first = host.Certificate!;
        var firstExpires = first.NotAfter.ToUniversalTime();

        await Eventually.TrueAsync(() => host.CertificatesInstalled >= 2, TimeSpan.FromSeconds(20), "the host renewed");
        Assert.That(host.Certificate!.SerialNumber, Is.Not.EqualTo(first.SerialNumber));
        Assert.That(DateTime.UtcNow, Is.LessThan(firstExpires), "renewed before the first certificate expired");
        await Eventually.TrueAsync(() => DateTime.UtcNow > firstExpires.AddSeconds(1), TimeSpan.FromSeconds(20), "the first certificate expired");

        // A new connection now: the expired certificate would be refused, the renewed one is accepted.
        using var channel = harness.Services.GetRequiredService<HostAgentClients>().CreateChannel(host.HostId!.Value, host.Address);
        Assert.That(await new HostAgent.V1.HostAgent.HostAgentClient(channel).ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5)),
            Is.Not.Null);
        Assert.That(await harness.CreateRunningAsync(), Is.Not.Empty, "operations reach the host");
    }

    [Test]
    public async Task A_renewal_whose_proof_is_not_signed_by_the_current_key_is_401()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 1);
        var host = harness.Fleet.Hosts[0];
        using var agent = harness.ClientWithKey(host.Token);
        var (key, csr) = HostKeys.NewSigningRequest(host.Name);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var strangers = new CertificateRequest("CN=stranger", stranger, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        using (key)
        {
            var forged = await agent.PostAsJsonAsync($"/v1/hosts/{host.HostId}/certificate", new { csr, proof = HostKeys.Proof(strangers, csr) });
            Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(forged.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));

            var genuine = await agent.PostAsJsonAsync($"/v1/hosts/{host.HostId}/certificate", new { csr, proof = HostKeys.Proof(host.Certificate!, csr) });
            Assert.That(genuine.StatusCode, Is.EqualTo(HttpStatusCode.OK), await genuine.Content.ReadAsStringAsync());
        }
    }

    [Test]
    public async Task A_host_may_renew_only_its_own_certificate()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2);
        var (one, two) = (harness.Fleet.Hosts[0], harness.Fleet.Hosts[1]);
        using var agent = harness.ClientWithKey(one.Token);
        var (key, csr) = HostKeys.NewSigningRequest(one.Name);
        using (key)
        {
            var response = await agent.PostAsJsonAsync($"/v1/hosts/{two.HostId}/certificate", new { csr, proof = HostKeys.Proof(one.Certificate!, csr) });
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }
    }
}
