namespace RaftTimers.Core.Lead;

/// <summary>
/// Fills a new leader's wheel with the pending timers it took over, nearest first: at once every timer due within
/// <see cref="NearMs"/> (a pass over the list that schedules only those), then the rest a bounded slice per tick
/// (<see cref="ScheduleSome"/>), so the first fires of a term do not wait for a million far-away timers to be placed.
/// Owned by the leader's tick loop, like the wheel; not thread-safe.
/// </summary>
/// <remarks>
/// Events applied since the term began are followed before each slice; a timer an event already placed is at a newer
/// version than the one in the list, so a slice skips it rather than putting the older schedule back. A timer the list
/// still holds but that was cancelled or fired meanwhile may be placed anyway: the wheel is only a cache, and its
/// expiry proposes nothing for a timer the state no longer holds pending at that version.
/// </remarks>
public sealed class WheelBackfill
{
    /// <summary>Timers due within this of the term's start are placed before the first tick; the rest follow in slices.</summary>
    public const long NearMs = 30_000;

    private readonly List<WheelEntry> later = [];
    private int next;

    /// <summary>Places every timer of <paramref name="pending"/> due before <paramref name="nowUnixMs"/> + <see cref="NearMs"/> and keeps the rest.</summary>
    public WheelBackfill(TimingWheel wheel, IEnumerable<WheelEntry> pending, long nowUnixMs)
    {
        foreach (var timer in pending)
        {
            if (timer.DueAtUnixMs < nowUnixMs + NearMs)
                wheel.Schedule(timer.TimerId, timer.Version, timer.DueAtUnixMs);
            else
                later.Add(timer);
        }

        PlacedAtOnce = wheel.Count;
    }

    public int PlacedAtOnce { get; }

    /// <summary>Timers still to be placed.</summary>
    public int Remaining => later.Count - next;

    /// <summary>Places up to <paramref name="max"/> of the remaining timers that the wheel does not hold already.</summary>
    public void ScheduleSome(TimingWheel wheel, int max)
    {
        var end = Math.Min(later.Count, next + max);
        for (; next < end; next++)
        {
            var timer = later[next];
            if (!wheel.Contains(timer.TimerId))
                wheel.Schedule(timer.TimerId, timer.Version, timer.DueAtUnixMs);
        }

        if (next == later.Count)
        {
            // Done: let the list go, so a new leader holds it only while it fills its wheel.
            later.Clear();
            later.TrimExcess();
            next = 0;
        }
    }
}
