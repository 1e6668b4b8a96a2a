using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Lifecycle.ControlPlane.Api;

/// <summary>The body of <c>POST /v1/hosts</c>; <c>csr</c> is the host's PKCS#10 request (PEM) for its certificate.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RegisterHostRequest(
    [property: Required, RegularExpression(Slug.Pattern), StringLength(RegisterHostRequest.MaxNameLength, MinimumLength = 1)]
    string? Name = null,
    [property: Required, StringLength(RegisterHostRequest.MaxAddressLength), Description("Where its agent serves gRPC: https://HOST:PORT (http:// only with the insecure development flag).")]
    string? GrpcAddress = null,
    [property: Description("The host's PKCS#10 certificate request (PEM); required unless the insecure development flag is set.")]
    string? Csr = null,
    [property: Description("What the host lets its sandboxes use, after its own and its VM monitor's share; heartbeats may update it.")]
    HostCapacityBody? Capacity = null) : IValidatable
{
    public const int MaxNameLength = 64;
    public const int MaxAddressLength = 256;

    /// <summary>The first problem with this request, or null when it is valid.</summary>
    public string? Validate()
    {
        if (!Slug.IsValid(Name, MaxNameLength))
        {
            return Slug.Describe("name", MaxNameLength);
        }
        if (GrpcAddress is not { Length: > 0 and <= MaxAddressLength }
            || !Uri.TryCreate(GrpcAddress, UriKind.Absolute, out var address)
            || address.Scheme is not ("http" or "https")
            || address.AbsolutePath != "/" || address.Query.Length > 0 || address.UserInfo.Length > 0)
        {
            return "grpc_address must be an http:// or https:// address with a host and port and nothing after them, e.g. https://10.0.0.5:9101.";
        }
        return Capacity?.Validate();
    }
}
