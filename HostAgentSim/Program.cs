using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.SectionName);
builder.Services.AddHostedService<FleetHostedService>();
await builder.Build().RunAsync();
