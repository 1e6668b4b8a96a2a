namespace Lifecycle.HostAgent.V1.Trust;

/// <summary>Why a peer's certificate was refused: a closed set, used as a log field and a metric label.</summary>
public static class PeerRefusals
{
    public const string NoCertificate = "no_certificate";
    public const string Untrusted = "untrusted";
    public const string Expired = "expired";
    public const string WrongIdentity = "wrong_identity";
    public const string WrongUsage = "wrong_usage";
    public const string Revoked = "revoked";

    public static IReadOnlyList<string> All { get; } = [NoCertificate, Untrusted, Expired, WrongIdentity, WrongUsage, Revoked];
}
