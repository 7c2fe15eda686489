using System.Diagnostics;

namespace RaftTimers.JepsenLike.Network;

/// <summary>Runs a short command (ip, nft) and fails with its command line and stderr when it fails.</summary>
internal static class Shell
{
    public static async Task<string> RunAsync(IReadOnlyList<string> command, string? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var arg in command.Skip(1))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {command[0]}");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"'{string.Join(' ', command)}' did not finish in time");
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{string.Join(' ', command)}' failed ({process.ExitCode}): {(await stderr).Trim()}");
        return await stdout;
    }

    public static string Run(IReadOnlyList<string> command) => RunAsync(command).GetAwaiter().GetResult();

    public static bool Exists(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, program)));
}
