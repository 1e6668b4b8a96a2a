using System.Diagnostics;

namespace Lifecycle.Testing;

/// <summary>Runs a short-lived program to its end and returns what it printed.</summary>
public static class CommandLine
{
    /// <summary>Throws with the program's stderr when it exits with anything but 0.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{file} {string.Join(' ', start.ArgumentList)}' failed ({process.ExitCode}):\n{await stderr}{await stdout}");
        }
        return await stdout;
    }
}
