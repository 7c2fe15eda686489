using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>
/// One process the harness started (a node or the sink), its output appended to a log file. Signals go to
/// its PID only. When started through <c>ip netns exec</c>, ip execs the command in place, so the PID is the
/// real process's.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Lock gate;
    private bool disposed;

    private HostProcess(Process process, string logFile, StreamWriter log, Lock gate)
    {
        this.process = process;
        this.log = log;
        this.gate = gate;
        LogFile = logFile;
    }

    public int Pid => process.Id;

    public string LogFile { get; }

    public bool HasExited => disposed || process.HasExited;

    /// <summary>The exit code once the process has exited (before the host is disposed); null while it runs.</summary>
    public int? ExitCode => !disposed && process.HasExited ? process.ExitCode : null;

    public static HostProcess Start(IReadOnlyList<string> command, string logFile, string workingDirectory)
    {
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in command.Skip(1))
            start.ArgumentList.Add(arg);

        var log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        log.WriteLine($"==== {DateTimeOffset.UtcNow:O} start: {string.Join(' ', command)}");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {command[0]}");
        process.StandardInput.Close();
        var gate = new Lock();
        var host = new HostProcess(process, logFile, log, gate);

        // Output can still arrive after the process has exited: lines are written until the host is disposed.
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (gate)
        {
            if (!disposed)
                log.WriteLine(line);
        }
    }

    public void Kill() => Signal(SigKill);

    public void Terminate() => Signal(SigTerm);

    public void Pause() => Signal(SigStop);

    public void Resume() => Signal(SigCont);

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within the grace period; resumes a paused process first.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited)
            return;
        Resume();
        Terminate();
        if (!await WaitForExitAsync(grace).ConfigureAwait(false))
        {
            Kill();
            await WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }

    private void Signal(int signal)
    {
        if (!HasExited)
            _ = SysKill(process.Id, signal);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);

    public void Dispose()
    {
        if (disposed)
            return;
        if (!process.HasExited)
            Kill();
        process.WaitForExit(TimeSpan.FromSeconds(10));
        lock (gate)
        {
            disposed = true;
            log.Dispose();
        }

        process.Dispose();
    }
}
