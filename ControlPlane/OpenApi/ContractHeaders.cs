using Lifecycle.Contract.Http;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// What an endpoint that takes one of the contract's request headers declares: the header, the answer it can lead
/// to and the headers on it (docs/contract.md, "REST API").
/// </summary>
public static class ContractHeaders
{
    /// <summary>A retried request with the same key answers as the first time; the same key on another request is a 422.</summary>
    public static RouteHandlerBuilder AcceptsIdempotencyKey(this RouteHandlerBuilder builder) => builder
        .WithMetadata(new RequestHeader(HeaderNames.IdempotencyKey), new ResponseHeader(HeaderNames.IdempotentReplayed))
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    /// <summary>The request applies only while the sandbox's ETag matches; otherwise a 412 with the current one.</summary>
    public static RouteHandlerBuilder AcceptsIfMatch(this RouteHandlerBuilder builder) => builder
        .WithMetadata(new RequestHeader(HeaderNames.IfMatch), new ResponseHeader(HeaderNames.ETag, StatusCodes.Status412PreconditionFailed))
        .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    /// <summary>A 304 without a body while the sandbox's ETag matches.</summary>
    public static RouteHandlerBuilder AcceptsIfNoneMatch(this RouteHandlerBuilder builder) => builder
        .WithMetadata(new RequestHeader(HeaderNames.IfNoneMatch), new ResponseHeader(HeaderNames.ETag, StatusCodes.Status304NotModified))
        .Produces(StatusCodes.Status304NotModified);

    /// <summary>The answer with <paramref name="statusCode"/> carries <paramref name="header"/> (one of <see cref="HeaderNames"/>).</summary>
    public static TBuilder ProducesHeader<TBuilder>(this TBuilder builder, string header, int statusCode) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ResponseHeader(header, statusCode));
}
