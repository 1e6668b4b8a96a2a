using Lifecycle.Cli;

return await LifecycleCtl.RunAsync(args, CliConfiguration.Load(), Console.Out, Console.Error);
