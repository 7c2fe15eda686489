using System.Threading.Channels;

namespace RaftTimers.JepsenLike.Agent;

/// <summary>
/// The sink's one log writer: appends queued lines and flushes after every batch it drains, so a line reaches the
/// file within a few milliseconds of its callback (well inside the 100 ms the harness allows), and the last lines
/// are flushed when the queue is completed at shutdown.
/// </summary>
public static class SinkLogWriter
{
    public static async Task RunAsync(StreamWriter file, ChannelReader<string> lines)
    {
        await using (file)
        {
            while (await lines.WaitToReadAsync())
            {
                while (lines.TryRead(out var line))
                    await file.WriteLineAsync(line);
                await file.FlushAsync();
            }
        }
    }
}
