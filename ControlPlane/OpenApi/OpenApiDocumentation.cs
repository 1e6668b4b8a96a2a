using Scalar.AspNetCore;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, generated from the endpoints and completed by the
/// transformers in this folder from each endpoint's metadata, and its reference page at <c>/docs</c>.
/// </summary>
public static class OpenApiDocumentation
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";

    public static IServiceCollection AddLifecycleOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddSchemaTransformer<RequiredMeansNotNull>();
            options.AddSchemaTransformer<OneOfSchemas>();
            options.AddSchemaTransformer<WholeNumberSchemas>();
            options.AddSchemaTransformer<PathIdSchemas>();
            options.AddSchemaTransformer<ProblemExtensions>();
            options.AddOperationTransformer<DeclaredRequestBodies>();
            options.AddOperationTransformer<OperationSecurity>();
            options.AddOperationTransformer<DeclaredRequestHeaders>();
            options.AddOperationTransformer<DeclaredResponseHeaders>();
            options.AddDocumentTransformer<DocumentInfo>();
            options.AddDocumentTransformer<SecuritySchemes>();
            options.AddDocumentTransformer<UndescribedEndpoints>();
            options.AddDocumentTransformer<HeaderComponents>();
        });

    /// <summary>Both are public and outside the rate limit, as <c>/healthz</c> is.</summary>
    public static IEndpointRouteBuilder MapLifecycleOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath)
            .DisableRateLimiting()
            .WithName("getOpenApiDocument")
            .WithSummary("This OpenAPI document")
            .WithTags("health")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(object), ["application/json"]));
        app.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("Lifecycle API")
                .WithOpenApiRoutePattern(DocumentPath)
                .HideDeveloperTools()
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp())
            .DisableRateLimiting();
        return app;
    }
}
