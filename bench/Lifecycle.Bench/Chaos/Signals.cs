using System.Runtime.InteropServices;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// SIGKILL straight from the soak's process. <c>Process.Kill</c> first walks the process tree, which on a
/// busy machine takes long enough for a consumer to acknowledge the entries it held; this is immediate.
/// </summary>
internal static class Signals
{
    private const int SigKill = 9;

    public static void KillNow(int pid) => _ = kill(pid, SigKill);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code enabled for the project; one plain int call does not.
    private static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
}
