using System.Security.Cryptography.X509Certificates;
using Lifecycle.Contract.Capacity;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Trust;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// Registers a host: a new row (<c>registered</c>, given no sandbox until its first heartbeat), a token
/// stored as its hash, and a certificate for its key when it serves TLS.
/// </summary>
public sealed class HostRegistrations(HostStore hosts, HostCertificates certificates)
{
    public const string TokenPrefix = "lch_";

    /// <param name="key">The key to certify; null for a plaintext host (development only).</param>
    public async Task<HostRegistrationOutcome> RegisterAsync(string name, string grpcAddress, Resources? capacity, PublicKey? key, CancellationToken ct)
    {
        var token = SecretHash.NewSecret(TokenPrefix);
        var row = await hosts.RegisterAsync(name, grpcAddress.TrimEnd('/'), token, capacity, ct);
        if (row is null)
        {
            return new HostRegistrationOutcome.NameInUse();
        }
        var grant = key is null ? null : await certificates.IssueAsync(row.Id, key, row.GrpcAddress, ct);
        return new HostRegistrationOutcome.Registered(row, token, grant);
    }
}
