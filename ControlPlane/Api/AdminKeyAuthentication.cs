using System.ComponentModel;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.Infrastructure.Trust;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The operators' admin key (<c>Lifecycle:Admin:Key</c>), compared in constant time by hash. With no
/// key configured every admin call is refused: there is no default key.
/// </summary>
[Description("The operators' admin key (Lifecycle:Admin:Key), for /v1/teams, /v1/hosts and /v1/reconcile.")]
public sealed class AdminKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<AdminOptions> admin,
    IProblemDetailsService problems,
    RideThrough rideThrough)
    : BearerAuthentication(options, loggerFactory, encoder, problems, rideThrough)
{
    public const string SchemeName = "AdminKey";
    public const string AdminClaim = "admin";

    protected override string Expected => "the admin key";

    protected override Task<Claim[]?> ClaimsForAsync(string secret, CancellationToken ct)
    {
        var configured = admin.Value.Key;
        var valid = configured.Length > 0 && CryptographicOperations.FixedTimeEquals(SecretHash.Of(secret), SecretHash.Of(configured));
        return Task.FromResult<Claim[]?>(valid ? [new Claim(AdminClaim, "true")] : null);
    }
}

/// <summary>Bound from <c>Lifecycle:Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Lifecycle:Admin";

    /// <summary>The operators' key for host registration and other admin calls; empty disables them.</summary>
    public string Key { get; set; } = "";
}
