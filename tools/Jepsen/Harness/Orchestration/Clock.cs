namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>The one clock of a run: Unix milliseconds with sub-millisecond precision, the same in every process on the machine.</summary>
public static class Clock
{
    public static double NowMs() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalMilliseconds;
}
