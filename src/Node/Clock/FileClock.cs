using System.Globalization;

namespace RaftTimers.Node.Clock;

/// <summary>
/// Fault injection for tests (<c>RaftTimers:FaultInjection:ClockFile</c>): the system's wall clock shifted by what a file
/// says, <c>offsetMs [driftMsPerSecond]</c>, read again every 100 ms, so a test can step or skew one node's clock while
/// it runs. The monotonic clock is the system's: as with a real clock fault, only the wall clock is wrong. A missing or
/// unreadable file means no shift.
/// </summary>
public sealed class FileClock : TimeProvider, IDisposable
{
    private readonly string path;
    private readonly ITimer reader;
    private string? lastText;
    private long offsetMs;
    private double driftMsPerSecond;
    private long since;
    private readonly Lock gate = new();

    public FileClock(string path)
    {
        this.path = path;
        Load();
        reader = TimeProvider.System.CreateTimer(_ => Load(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public override DateTimeOffset GetUtcNow()
    {
        long offset;
        double drift;
        long from;
        lock (gate)
        {
            offset = offsetMs;
            drift = driftMsPerSecond;
            from = since;
        }

        var shift = offset + (drift * GetElapsedTime(from).TotalSeconds);
        return TimeProvider.System.GetUtcNow().AddMilliseconds(shift);
    }

    private void Load()
    {
        string text;
        try
        {
            text = File.Exists(path) ? File.ReadAllText(path).Trim() : "";
        }
        catch (IOException)
        {
            return;
        }

        lock (gate)
        {
            if (text == lastText)
                return;
            lastText = text;
            var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            offsetMs = parts.Length > 0 && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var o) ? o : 0;
            driftMsPerSecond = parts.Length > 1 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;
            since = GetTimestamp();
        }
    }

    public void Dispose() => reader.Dispose();
}
