namespace Lifecycle.ControlPlane.Observability;

/// <summary>The answer of <c>GET /healthz</c>: the process answers.</summary>
public sealed record Liveness(string Status);
