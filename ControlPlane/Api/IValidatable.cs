namespace Lifecycle.ControlPlane.Api;

/// <summary>A request body that checks itself once read, before anything changes.</summary>
public interface IValidatable
{
    /// <summary>The first problem with this request, or null when it is valid.</summary>
    string? Validate();
}
