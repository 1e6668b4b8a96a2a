using System.Security.Cryptography;
using System.Text;

namespace Lifecycle.Infrastructure.Trust;

/// <summary>
/// API keys and host tokens are stored only as SHA-256 hashes. They are random and long, so a
/// fast unsalted hash is enough: there is no dictionary to attack, and lookup stays one index probe.
/// </summary>
public static class SecretHash
{
    public static byte[] Of(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>A new high-entropy secret (256 bits), URL-safe, with a prefix that says what it is.</summary>
    public static string NewSecret(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
