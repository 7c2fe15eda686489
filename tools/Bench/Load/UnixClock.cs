namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// Wall-clock Unix time in microseconds, read from the wall clock every time (a vDSO call on Linux, tens of ns). The
/// nodes stamp due times with the wall clock, so arrivals must be timed by it too: a time derived once from the wall
/// clock and then from the monotonic clock parts from it whenever the wall clock is stepped (a VM's clock corrected by
/// its host), and every timer due after such a step would be measured late or early by its size (docs/benchmarks.md).
/// </summary>
public static class UnixClock
{
    public static long NowMicros => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
