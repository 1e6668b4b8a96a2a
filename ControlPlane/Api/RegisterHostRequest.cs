namespace Lifecycle.ControlPlane.Api;

/// <summary>The body of <c>POST /v1/hosts</c>; <c>csr</c> is the host's PKCS#10 request (PEM) for its certificate.</summary>
public sealed record RegisterHostRequest(string? Name = null, string? GrpcAddress = null, string? Csr = null) : IValidatable
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
        return null;
    }
}
