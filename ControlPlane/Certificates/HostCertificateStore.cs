using Dapper;
using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.ControlPlane.Certificates;

/// <summary>Owns <c>host_certificates</c>: what was issued to each host, and what is revoked.</summary>
public sealed class HostCertificateStore(NpgsqlDataSource dataSource)
{
    static HostCertificateStore() => DapperMapping.Apply();

    /// <summary>One issued certificate, as stored.</summary>
    public sealed record Issued(string Serial, Guid HostId, string CertificatePem, DateTime NotBefore, DateTime NotAfter);

    public async Task RecordAsync(Issued certificate, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO host_certificates (serial, host_id, certificate_pem, not_before, not_after)
            VALUES (@Serial, @HostId, @CertificatePem, @NotBefore, @NotAfter)
            """;
        await using var conn = dataSource.CreateConnection();
        await conn.ExecuteAsync(new CommandDefinition(sql, certificate, cancellationToken: ct));
    }

    /// <summary>The host's newest certificate that is neither expired nor revoked, while the host is in service; null when none.</summary>
    public async Task<Issued?> CurrentAsync(Guid hostId, CancellationToken ct)
    {
        const string sql = $"""
            SELECT c.serial, c.host_id, c.certificate_pem, c.not_before, c.not_after
              FROM host_certificates c JOIN hosts h ON h.id = c.host_id
             WHERE c.host_id = @HostId AND c.revoked_at IS NULL AND c.not_after > now() AND h.status <> '{HostStatusNames.Decommissioned}'
             ORDER BY c.not_after DESC
             LIMIT 1
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<Issued>(new CommandDefinition(sql, new { HostId = hostId }, cancellationToken: ct));
    }

    /// <summary>Revokes every certificate of the host (repeating it changes nothing); returns their serials.</summary>
    public async Task<IReadOnlyList<string>> RevokeAllAsync(Guid hostId, CancellationToken ct)
    {
        const string sql = """
            UPDATE host_certificates SET revoked_at = COALESCE(revoked_at, now())
             WHERE host_id = @HostId
            RETURNING serial
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<string>(new CommandDefinition(sql, new { HostId = hostId }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Serials no TLS handshake may accept: revoked, or of a decommissioned host (even if the revocation
    /// itself never got written). Expired ones are left out: expiry refuses them anyway.
    /// </summary>
    public async Task<IReadOnlyList<(string Serial, Guid HostId)>> RevokedAsync(CancellationToken ct)
    {
        const string sql = $"""
            SELECT c.serial, c.host_id
              FROM host_certificates c JOIN hosts h ON h.id = c.host_id
             WHERE (c.revoked_at IS NOT NULL OR h.status = '{HostStatusNames.Decommissioned}') AND c.not_after > now()
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<(string, Guid)>(new CommandDefinition(sql, cancellationToken: ct))).AsList();
    }
}
