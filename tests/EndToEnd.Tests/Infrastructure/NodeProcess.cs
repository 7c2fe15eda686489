using System.Diagnostics;

namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the node binary directly, for tests of start-up refusals: the process is expected to exit on its own.</summary>
internal static class NodeProcess
{
    public sealed record Exit(int Code, string Stdout, string Stderr)
    {
        public string Output => Stderr + Stdout;
    }

    /// <summary>Starts the node with <paramref name="args"/> and waits (at most 60 s, then kills it) for it to exit.</summary>
    public static async Task<Exit> RunUntilExitAsync(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepoPaths.NodeDll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }

        return new Exit(process.ExitCode, await stdout, await stderr);
    }
}
