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

    /// <summary>Timers in Firing.</summary>
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
    /// <paramref name="next"/> is the last id of the page when more may follow, else null.
    /// </summary>
    public List<TimerRecord> Page(string? afterId, TimerStatus? status, int limit, out string? next)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var page = new List<TimerRecord>(Math.Min(limit, 1024));
        next = null;
        foreach (var id in idsInOrder.After(afterId))
        {
            var record = timers[id];
            if (status is { } wanted && record.Status != wanted)
                continue;
            if (page.Count == limit)
            {
                next = page[^1].Id;
                break;
            }

            page.Add(record);
        }

        return page;
    }

    /// <summary>All timers, in no particular order (tests).</summary>
    public IEnumerable<TimerRecord> All => timers.Values;
}
