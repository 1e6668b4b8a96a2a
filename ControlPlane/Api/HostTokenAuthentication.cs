using System.ComponentModel;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Api;

/// <summary>A host agent's token, looked up by its hash; a decommissioned host's token is dead.</summary>
[Description("A host agent's token (lch_…), shown once at its registration, for the host's own routes.")]
public sealed class HostTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    HostStore hosts,
    IProblemDetailsService problems,
    RideThrough rideThrough)
    : BearerAuthentication(options, loggerFactory, encoder, problems, rideThrough)
{
    public const string SchemeName = "HostToken";
    public const string HostIdClaim = "host_id";

    protected override string Expected => "the host's token";

    protected override async Task<Claim[]?> ClaimsForAsync(string secret, CancellationToken ct) =>
        await hosts.FindInServiceByTokenAsync(secret, ct) is { } hostId
            ? [new Claim(HostIdClaim, hostId.ToString())]
            : null;
}
