using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The problems every endpoint can answer with because of what it is, declared from its metadata when it is
/// built, so no endpoint lists them by hand: 400 when it reads a path id, a query parameter or a body; 413 and
/// 415 when it reads a body; 401 when it takes a credential; 429 when it is rate limited; 503 when Redis or
/// Postgres is on its way (the rate limiter's buckets, the credential's lookup).
/// </summary>
public static class StandardAnswers
{
    public static TBuilder WithStandardAnswers<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            var metadata = endpoint.Metadata;
            var readsBody = metadata.OfType<RequestBody>().Any();
            var authorized = metadata.OfType<IAuthorizeData>().Any();
            var limited = !metadata.OfType<DisableRateLimitingAttribute>().Any();
            var codes = new List<int>();
            if (readsBody || ReadsParameters(endpoint))
            {
                codes.Add(StatusCodes.Status400BadRequest);
            }
            if (authorized)
            {
                codes.Add(StatusCodes.Status401Unauthorized);
            }
            if (readsBody)
            {
                codes.AddRange([StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType]);
            }
            if (limited)
            {
                codes.Add(StatusCodes.Status429TooManyRequests);
            }
            if (limited || authorized)
            {
                codes.Add(StatusCodes.Status503ServiceUnavailable);
            }
            var declared = metadata.OfType<IProducesResponseTypeMetadata>().Select(produces => produces.StatusCode).ToHashSet();
            foreach (var code in codes.Where(code => !declared.Contains(code)))
            {
                metadata.Add(new ProducesResponseTypeMetadata(code, typeof(ProblemDetails), ["application/problem+json"]));
            }
        });
        return builder;
    }

    /// <summary>A path parameter, or a handler parameter of a simple type that no route value, service or header fills: a query parameter.</summary>
    private static bool ReadsParameters(EndpointBuilder endpoint)
    {
        var route = (endpoint as RouteEndpointBuilder)?.RoutePattern;
        if (route?.Parameters.Count > 0)
        {
            return true;
        }
        var handler = endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault();
        return handler?.GetParameters().Any(parameter => IsSimple(parameter.ParameterType)
            && parameter.GetCustomAttribute<FromServicesAttribute>() is null
            && parameter.GetCustomAttribute<FromHeaderAttribute>() is null) == true;
    }

    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? (type.IsArray ? type.GetElementType()! : type);
        return type.IsPrimitive || type == typeof(string) || type == typeof(Guid) || type == typeof(DateTime) || type == typeof(DateTimeOffset);
    }
}
