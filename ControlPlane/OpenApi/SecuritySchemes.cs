using System.ComponentModel;
using System.Reflection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// One HTTP bearer scheme per registered authentication scheme (every credential the API takes is sent as
/// <c>Authorization: Bearer</c>), described by its handler's <see cref="DescriptionAttribute"/>.
/// </summary>
public sealed class SecuritySchemes(IAuthenticationSchemeProvider schemes) : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        foreach (var scheme in await schemes.GetAllSchemesAsync())
        {
            document.Components.SecuritySchemes[scheme.Name] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = scheme.HandlerType.GetCustomAttribute<DescriptionAttribute>()?.Description,
            };
        }
    }
}
