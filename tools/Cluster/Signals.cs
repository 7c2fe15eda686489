using System.Runtime.InteropServices;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// kill(2) by PID. Callers first confirm with <see cref="NodeProcessInspector"/> that the PID is still
/// one of our nodes, because a PID recorded in cluster.json may have been recycled by an unrelated process.
/// </summary>
internal static partial class Signals
{
    // Linux x64 and arm64 numbers; this tool runs on Linux only (it reads /proc).
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    private const int ESRCH = 3;

    /// <summary>Sends the signal; a process that has already gone (ESRCH) is not an error.</summary>
    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) == 0)
            return;
        var errno = Marshal.GetLastPInvokeError();
        if (errno != ESRCH)
            throw new ToolFailure($"kill({pid}, {signal}) failed: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
