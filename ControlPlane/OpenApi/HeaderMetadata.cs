namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>A request header an endpoint reads, described once in the document's parameters (<see cref="HeaderComponents"/>).</summary>
public sealed record RequestHeader(string Name);

/// <summary>
/// A response header an endpoint sends, described once in the document's headers (<see cref="HeaderComponents"/>),
/// on the answer with <paramref name="StatusCode"/>, or on every 2xx answer when it is null.
/// </summary>
public sealed record ResponseHeader(string Name, int? StatusCode = null);

/// <summary>Answers whose body is this type carry its <c>ETag</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CarriesETagAttribute : Attribute;
