using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lifecycle.ControlPlane.OpenApi;

/// <summary>
/// The credentials an operation takes, from its authorization metadata: each authentication scheme of its
/// policy is one alternative. An operation without authorization says so with an empty requirement.
/// </summary>
public sealed class OperationSecurity(IAuthorizationPolicyProvider policies) : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var schemes = new List<string>();
        foreach (var authorize in metadata.OfType<IAuthorizeData>())
        {
            var policy = authorize.Policy is { } name ? await policies.GetPolicyAsync(name) : null;
            schemes.AddRange(policy?.AuthenticationSchemes ?? []);
            schemes.AddRange(authorize.AuthenticationSchemes?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? []);
        }
        operation.Security = schemes.Count == 0 || metadata.OfType<IAllowAnonymous>().Any()
            ? [new OpenApiSecurityRequirement()]
            : [.. schemes.Distinct().Select(scheme => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] })];
    }
}
