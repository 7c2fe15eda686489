using System.Diagnostics;
using System.Runtime.InteropServices;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.HarnessTests;

/// <summary>A <c>jepsen-agent sink</c> process on a free loopback port, for the sink's own tests.</summary>
internal sealed class SinkProcess : IDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly Process process;
    private readonly TaskCompletionSource<string> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SinkProcess(Process process, string logPath)
    {
        this.process = process;
        LogPath = logPath;
    }

    public string LogPath { get; }

    public string Url { get; private set; } = "";

    public Process Process => process;

    public static Process StartRaw(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(HarnessPaths.AgentDll);
        start.ArgumentList.Add("sink");
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    public static async Task<SinkProcess> StartAsync(string logPath, string? faults = null, int seed = 1)
    {
        string[] args = faults is null
            ? ["--listen", "127.0.0.1:0", "--log", logPath, "--seed", $"{seed}"]
            : ["--listen", "127.0.0.1:0", "--log", logPath, "--seed", $"{seed}", "--faults", faults];
        var sink = new SinkProcess(StartRaw(args), logPath);
        sink.process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening on ", StringComparison.Ordinal) == true)
                sink.listening.TrySetResult(e.Data["listening on ".Length..]);
        };
        sink.process.BeginOutputReadLine();
        sink.process.BeginErrorReadLine();
        var exited = sink.process.WaitForExitAsync();
        if (await Task.WhenAny(sink.listening.Task, exited).WaitAsync(Deadline) != sink.listening.Task)
            throw new InvalidOperationException($"the sink exited with {sink.process.ExitCode} before listening");
        sink.Url = await sink.listening.Task;
        return sink;
    }

    /// <summary>Waits until the log holds at least <paramref name="count"/> deliveries (the sink flushes within 100 ms).</summary>
    public async Task<List<DeliveryRecord>> WaitForDeliveriesAsync(int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var records = SinkLog.Read(LogPath);
            if (records.Count >= count || clock.Elapsed > Deadline)
                return records;
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }
    }

    /// <summary>SIGTERM, as the harness stops it; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        _ = Kill(process.Id, 15);
        await process.WaitForExitAsync().WaitAsync(Deadline);
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited)
            process.Kill();
        process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
