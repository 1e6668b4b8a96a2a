namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The JSON body an endpoint reads itself (through <c>StrictJson</c>), for the document only. Not <c>Accepts&lt;T&gt;</c>:
/// that would let routing answer a body of another media type with a bare 415 before the endpoint could say what it
/// expects (docs/decisions/0030-openapi-from-endpoint-metadata.md).
/// </summary>
public sealed record RequestBody(Type Type, bool Required);

/// <summary>Declares the body an endpoint reads.</summary>
public static class RequestBodies
{
    /// <summary>A JSON body of <typeparamref name="T"/> the request must carry.</summary>
    public static RouteHandlerBuilder ReadsBody<T>(this RouteHandlerBuilder builder) => builder.WithMetadata(new RequestBody(typeof(T), Required: true));

    /// <summary>A JSON body of <typeparamref name="T"/> the request may leave out (an empty body reads as <c>{}</c>).</summary>
    public static RouteHandlerBuilder ReadsOptionalBody<T>(this RouteHandlerBuilder builder) => builder.WithMetadata(new RequestBody(typeof(T), Required: false));
}
