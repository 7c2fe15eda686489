using System.Threading.Channels;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Sink;
using RaftTimers.Support;

namespace RaftTimers.JepsenLike.Agent;

/// <summary>
/// <c>jepsen-agent sink --listen IP:PORT --log FILE [--seed N] [--faults PLAN]</c>: the callback receiver of a
/// run, started by the harness (SinkHost), which waits for the line <c>listening on http://IP:PORT</c> and stops
/// it with SIGTERM. Every request outside <c>/_sink/*</c> is a timer callback: it is logged as one JSONL line
/// (<see cref="SinkLog.Line"/>) and answered as the fault plan says — 200, slow, 503/429, or a dropped connection
/// after the request was fully read. Exit codes: 0 after SIGTERM, 1 when it cannot listen, 2 for a bad command line.
/// </summary>
public static class SinkCommand
{
    /// <summary>Callbacks waiting for the log writer; a full queue makes requests wait rather than lose lines.</summary>
    private const int MaxQueuedLines = 100_000;

    public static async Task<int> RunAsync(string[] args)
    {
        SinkOptions options;
        try
        {
            options = SinkOptions.Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"sink: {e.Message}\n{SinkOptions.Usage}");
            return 2;
        }

        StreamWriter file;
        try
        {
            file = new StreamWriter(new FileStream(options.LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"sink: cannot open --log '{options.LogPath}': {e.Message}");
            return 2;
        }

        var lines = Channel.CreateBounded<string>(new BoundedChannelOptions(MaxQueuedLines) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var writer = SinkLogWriter.RunAsync(file, lines.Reader);
        var exitCode = await ServeAsync(options, new SinkRequestHandler(new FaultDecider(options.Faults, options.Seed), lines.Writer));
        lines.Writer.TryComplete();
        await writer;
        return exitCode;
    }

    private static async Task<int> ServeAsync(SinkOptions options, SinkRequestHandler handler)
    {
        CallbackSink sink;
        try
        {
            sink = await CallbackSink.StartAsync(handler.Options(options.Listen));
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"sink: cannot listen on {options.Listen}: {e.Message}");
            return 1;
        }

        await using (sink)
        {
            await Console.Out.WriteLineAsync($"listening on {sink.BaseUrl}");
            await Console.Out.FlushAsync();
            await sink.WaitForShutdownAsync();
        }

        return 0;
    }
}
