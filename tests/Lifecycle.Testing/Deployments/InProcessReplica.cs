using Lifecycle.ControlPlane;
using Lifecycle.Testing.Answers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Testing.Deployments;

/// <summary>A replica in this process (<see cref="ControlPlaneApp"/>) on a free port, with its services to read.</summary>
public sealed class InProcessReplica : Replica
{
    private readonly WebApplication _app;
    private bool _stopped;

    private InProcessReplica(string name, Uri url, WebApplication app)
        : base(name, url)
    {
        _app = app;
    }

    public IServiceProvider Services => _app.Services;

    /// <param name="logs">When given, every entry of every category and level lands there; else warnings and worse only.</param>
    internal static async Task<InProcessReplica> StartAsync(string name, IReadOnlyDictionary<string, string?> configuration, ILoggerProvider? logs)
    {
        var app = ControlPlaneApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(logs is null ? LogLevel.Warning : LogLevel.Trace);
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }
            if (AnswerLog.Shared.Recording)
            {
                builder.Services.AddSingleton<IStartupFilter>(new AnswerRecording(AnswerLog.Shared));
            }
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessReplica(name, new Uri(address), app);
    }

    public override async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
