using System.ComponentModel;
using System.Diagnostics;

namespace RaftTimers.JepsenLike.Network;

/// <summary>The outcome of one short command.</summary>
public sealed record ShellResult(int ExitCode, string Stdout, string Stderr);

/// <summary>A lab command that failed, timed out or could not start; the message names the command line and its stderr.</summary>
public sealed class ShellCommandException(string commandLine, int? exitCode, string stderr, string message)
    : Exception(message)
{
    public string CommandLine { get; } = commandLine;

    /// <summary>Null when the command never ran to an exit (not found, timed out).</summary>
    public int? ExitCode { get; } = exitCode;

    public string Stderr { get; } = stderr;
}

/// <summary>
/// Runs the lab's short commands (ip, nft, ping) with an argument list (no shell, no quoting) and a timeout.
/// <see cref="RunAsync"/> throws on a non-zero exit; <see cref="TryRunAsync"/> returns the exit code for commands
/// whose failure is an answer (ping). <see cref="Run"/> is the synchronous form for process-exit handlers.
/// </summary>
internal static class Shell
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private static readonly string[] SystemDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    public static async Task<string> RunAsync(IReadOnlyList<string> command, string? stdin = null, TimeSpan? timeout = null, CancellationToken token = default)
    {
        var result = await TryRunAsync(command, stdin, timeout, token).ConfigureAwait(false);
        return result.ExitCode == 0 ? result.Stdout : throw Failed(command, result);
    }

    public static async Task<ShellResult> TryRunAsync(IReadOnlyList<string> command, string? stdin = null, TimeSpan? timeout = null, CancellationToken token = default)
    {
        using var process = Start(command, stdin is not null);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            token.ThrowIfCancellationRequested();
            throw TimedOut(command, timeout ?? DefaultTimeout);
        }

        return new ShellResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public static string Run(IReadOnlyList<string> command, string? stdin = null, TimeSpan? timeout = null)
    {
        using var process = Start(command, stdin is not null);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            Kill(process);
            throw TimedOut(command, timeout ?? DefaultTimeout);
        }

        var result = new ShellResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        return result.ExitCode == 0 ? result.Stdout : throw Failed(command, result);
    }

    /// <summary>The full path of a program on PATH or in the usual system directories (root's tools live in sbin), or null.</summary>
    public static string? Find(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
            return File.Exists(program) ? program : null;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(SystemDirectories).Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
    }

    public static bool Exists(string program) => Find(program) is not null;

    public static string CommandLine(IReadOnlyList<string> command)
        => string.Join(' ', command.Select(arg => arg.Length == 0 || arg.Any(char.IsWhiteSpace) ? $"'{arg}'" : arg));

    private static Process Start(IReadOnlyList<string> command, bool redirectStdin)
    {
        var program = Find(command[0])
            ?? throw new ShellCommandException(CommandLine(command), null, "", $"'{CommandLine(command)}' cannot run: '{command[0]}' is not installed");
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
        };
        foreach (var arg in command.Skip(1))
            start.ArgumentList.Add(arg);
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            throw new ShellCommandException(CommandLine(command), null, "", $"'{CommandLine(command)}' cannot start: {e.Message}");
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the deadline and the kill.
        }
    }

    private static ShellCommandException Failed(IReadOnlyList<string> command, ShellResult result)
        => new(CommandLine(command), result.ExitCode, result.Stderr.Trim(),
            $"'{CommandLine(command)}' failed with exit code {result.ExitCode}: {result.Stderr.Trim()}");

    private static ShellCommandException TimedOut(IReadOnlyList<string> command, TimeSpan timeout)
        => new(CommandLine(command), null, "", $"'{CommandLine(command)}' did not finish within {timeout.TotalSeconds:0.#} s");
}
