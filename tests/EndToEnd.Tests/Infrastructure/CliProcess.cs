using System.Diagnostics;
using System.Text.Json;

namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the built command-line client (timers.dll) as a process, the way a script does, and captures what it printed.</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, IReadOnlyList<string> Args)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement.Clone();

        public override string ToString() => $"timers {string.Join(' ', Args)} -> exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>
    /// Runs <c>dotnet timers.dll args</c> with the client's environment variables cleared unless given in
    /// <paramref name="environment"/>, and waits for it (at most 2 minutes, then kills it and fails).
    /// </summary>
    public static Task<Result> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
        => RunProgramAsync("dotnet", [RepoPaths.CliDll], args, environment);

    /// <summary>Runs <paramref name="program"/> with <paramref name="prefix"/> then <paramref name="args"/>, the way <see cref="RunAsync"/> runs the client.</summary>
    public static async Task<Result> RunProgramAsync(string program, IEnumerable<string> prefix, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var list = args.ToList();
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in prefix.Concat(list))
            start.ArgumentList.Add(arg);
        foreach (var name in new[] { "RAFTTIMERS_URL", "RAFTTIMERS_TOKEN", "RAFTTIMERS_ADMIN_TOKEN" })
            start.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', list)} did not exit within 2 minutes\n{await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr, list);
    }

    /// <summary>Runs the client and requires exit code 0.</summary>
    public static async Task<Result> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        return result;
    }

    /// <summary>Runs the client, requires <paramref name="exitCode"/>, nothing on stdout, and one readable error on stderr (no stack trace).</summary>
    public static async Task<Result> FailsAsync(int exitCode, params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {result}");
        Assert.Equal("", result.Stdout);
        Assert.StartsWith("timers: ", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
        return result;
    }

    /// <summary>A loopback URL on which nothing listens (a free port, checked just now).</summary>
    public static string UnreachableUrl() => $"http://127.0.0.1:{FreePorts.FindRun(1)}";
}
