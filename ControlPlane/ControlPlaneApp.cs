using Lifecycle.Infrastructure;

namespace Lifecycle.ControlPlane;

/// <summary>Builds the control plane; tests and benchmarks use it to run the real thing in-process.</summary>
public static class ControlPlaneApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddLifecycleSettingsFile();
        configure?.Invoke(builder);
        builder.AddControlPlane();
        var app = builder.Build();
        app.MapControlPlane();
        return app;
    }
}
