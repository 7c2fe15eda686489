namespace RaftTimers.Client;

/// <summary>One page of GET /timer: timers in id order, and the id to continue after (null on the last page).</summary>
public sealed record TimerPage(IReadOnlyList<TimerInfo> Timers, string? Next);

/// <summary>Which timers to list: a state (null for all), the page size (1 to 1,000), and the id to start after.</summary>
public sealed record TimerQuery
{
    public const int MaxLimit = 1000;

    public TimerQuery(string? state = null, int limit = 100, string? after = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        State = state;
        Limit = limit;
        After = after;
    }

    public string? State { get; }

    public int Limit { get; }

    public string? After { get; }
}
