using System.Diagnostics;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>Wall-clock Unix time in microseconds, read cheaply from the monotonic clock after one wall-clock read.</summary>
public static class UnixClock
{
    private static readonly long BaseMicros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private static readonly long BaseTicks = Stopwatch.GetTimestamp();

    public static long NowMicros => BaseMicros + (long)((Stopwatch.GetTimestamp() - BaseTicks) * (1_000_000.0 / Stopwatch.Frequency));
}
