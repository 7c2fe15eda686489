using RaftTimers.Core.Model;

namespace RaftTimers.Core.Apply;

public sealed partial class TimerStateMachine
{
    public TimerRecord? Find(string id) => timers.GetValueOrDefault(id);

    /// <summary>True when the timer is pending at exactly this version: the wheel checks this before proposing a fire.</summary>
    public bool IsPendingAt(string id, long version)
        => timers.TryGetValue(id, out var record) && record.Status == TimerStatus.Pending && record.Version == version;

    /// <summary>Every timer with <paramref name="status"/>, in no particular order (used to rebuild the leader's wheel and deliveries).</summary>
    public List<TimerRecord> WithStatus(TimerStatus status)
    {
        var list = new List<TimerRecord>(status == TimerStatus.Pending ? PendingCount : 0);
        foreach (var record in timers.Values)
        {
            if (record.Status == status)
                list.Add(record);
        }

        return list;
    }

    /// <summary>Timers in Firing, and failed timers whose dead-letter notice is pending: the deliveries a leader owes.</summary>
    public int FiringCount => firingIds.Count;

    /// <summary>
    /// Up to <paramref name="max"/> firing timers that <paramref name="skip"/> does not turn down, oldest fire first, and
    /// whether more may follow. Costs the timers looked at (skipped ones included), not all firing timers.
    /// </summary>
    public List<TimerRecord> SomeFiring(Func<string, long, bool> skip, int max, out bool more)
    {
        var list = new List<TimerRecord>(Math.Min(max, firingIds.Count));
        more = false;
        foreach (var (_, id) in firingIds)
        {
            var record = timers[id];
            if (skip(id, record.Version))
                continue;
            if (list.Count == max)
            {
                more = true;
                break;
            }

            list.Add(record);
        }

        return list;
    }

    /// <summary>
    /// A page of timers in ordinal id order, after <paramref name="afterId"/> (exclusive), optionally of one status.
    /// <paramref name="next"/> is the id to continue after when more may follow, else null: the page's last id, or the
    /// last id looked at when the scan budget ran out first. The work and the size of a
    /// page are bounded, because the caller holds the lock that apply takes: at most <paramref name="scanBudget"/>
    /// timers are looked at, and timers are added only while the page's <see cref="RetainedBytes"/> stay within
    /// <paramref name="byteBudget"/> (one timer always fits). A page cut short by either has fewer than
    /// <paramref name="limit"/> timers, perhaps none, and a <paramref name="next"/>: a filter that matches few timers
    /// among many costs the client more pages, never the apply loop a long wait.
    /// </summary>
    public List<TimerRecord> Page(string? afterId, TimerStatus? status, int limit, out string? next,
        int scanBudget = int.MaxValue, long byteBudget = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scanBudget, 1);
        var page = new List<TimerRecord>(Math.Min(limit, 1024));
        next = null;
        var scanned = 0;
        var bytes = 0L;
        string? lastLooked = null;
        foreach (var id in idsInOrder.After(afterId))
        {
            if (scanned == scanBudget)
            {
                next = lastLooked;
                break;
            }

            var record = timers[id];
            if (status is { } wanted && record.Status != wanted)
            {
                scanned++;
                lastLooked = id;
                continue;
            }

            var size = RetainedBytes(record);
            if (page.Count == limit || (page.Count > 0 && bytes + size > byteBudget))
            {
                next = page[^1].Id;
                break;
            }

            scanned++;
            lastLooked = id;
            bytes += size;
            page.Add(record);
        }

        return page;
    }

    /// <summary>All timers, in no particular order (tests).</summary>
    public IEnumerable<TimerRecord> All => timers.Values;
}
