using Lifecycle.ControlPlane;

await ControlPlaneApp.Build(args).RunAsync();
