using System.Security.Cryptography.X509Certificates;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Trust;

namespace Lifecycle.ControlPlane.Certificates;

/// <summary>Issues, records and revokes hosts' certificates.</summary>
public sealed class HostCertificates(HostTrust trust, HostCertificateStore store, HostAgentClients clients)
{
    /// <summary>What a host is handed: its certificate, the CA to trust, and when to have renewed by.</summary>
    public sealed record Grant(string Certificate, string CaCertificate, DateTime ExpiresAt);

    /// <summary>Whether certificates can be issued here (a CA is configured).</summary>
    public bool CanIssue => trust.Authority is not null;

    /// <summary>Issues host <paramref name="hostId"/> a certificate for <paramref name="key"/> and records it.</summary>
    public async Task<Grant> IssueAsync(Guid hostId, PublicKey key, string grpcAddress, CancellationToken ct)
    {
        var authority = trust.Authority ?? throw new InvalidOperationException("no CA configured");
        var addressHost = Uri.TryCreate(grpcAddress, UriKind.Absolute, out var uri) ? uri.Host : null;
        using var certificate = authority.IssueHost(hostId, key, addressHost, trust.Clock.GetUtcNow(), trust.Lifetime);
        var pem = certificate.ExportCertificatePem();
        var notAfter = certificate.NotAfter.ToUniversalTime();
        await store.RecordAsync(new HostCertificateStore.Issued(certificate.SerialNumber, hostId, pem,
            certificate.NotBefore.ToUniversalTime(), notAfter), ct);
        return new Grant(pem, authority.CertificatePem, notAfter);
    }

    /// <summary>
    /// Revokes every certificate of a decommissioned host: in Postgres for every replica, and in this
    /// replica at once, whose channels to the host close.
    /// </summary>
    public async Task RevokeAsync(Guid hostId, CancellationToken ct)
    {
        var serials = await store.RevokeAllAsync(hostId, ct);
        trust.Revoked.Add(serials.Select(serial => (serial, hostId)));
        clients.Forget(hostId);
    }

    /// <summary>Takes in what Postgres says is revoked; the channels of hosts newly revoked here close.</summary>
    public async Task RefreshRevokedAsync(CancellationToken ct)
    {
        var revoked = await store.RevokedAsync(ct);
        foreach (var hostId in trust.Revoked.Add(revoked))
        {
            clients.Forget(hostId);
        }
    }
}
