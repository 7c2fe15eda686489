using System.Diagnostics;

namespace RaftTimers.Tools.Cli.Output;

/// <summary>
/// A spinner with a status text and the time elapsed, redrawn in place on stderr, for operations that take long
/// (membership changes, listing every timer). It draws only when stderr is a terminal, so logs and scripts that
/// capture stderr see nothing of it, and it never touches stdout, which carries the results.
/// </summary>
internal sealed class Progress : IDisposable
{
    private static readonly string[] Frames = ["|", "/", "-", "\\"];

    private readonly TextWriter error;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Timer? timer;
    private readonly Lock gate = new();
    private string status;
    private int frame;
    private bool drawn;
    private bool stopped;

    private Progress(TextWriter error, string status, bool enabled)
    {
        this.error = error;
        this.status = status;
        if (enabled)
            timer = new Timer(_ => Draw(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(125));
    }

    /// <summary>Starts a spinner on stderr if stderr is a terminal; otherwise a no-op.</summary>
    public static Progress Start(string status)
        => new(Console.Error, status, enabled: !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb");

    public TimeSpan Elapsed => clock.Elapsed;

    public void Update(string text)
    {
        lock (gate)
            status = text;
    }

    private void Draw()
    {
        lock (gate)
        {
            if (timer is null || stopped)
                return;
            var line = $"{Frames[frame++ % Frames.Length]} {status} ({clock.Elapsed.TotalSeconds:0}s)";
            var width = Console.IsErrorRedirected ? 200 : Math.Max(20, SafeWindowWidth() - 1);
            error.Write($"\r\u001b[K{(line.Length > width ? line[..width] : line)}");
            error.Flush();
            drawn = true;
        }
    }

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    public void Dispose()
    {
        timer?.Dispose();
        lock (gate)
        {
            stopped = true;
            if (drawn)
            {
                error.Write("\r\u001b[K");
                error.Flush();
            }

            drawn = false;
        }
    }
}
