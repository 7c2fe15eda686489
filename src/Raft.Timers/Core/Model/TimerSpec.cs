namespace RaftTimers.Core.Model;

/// <summary>
/// Everything a client gives when it creates or replaces a timer. Two specs are equal when
/// every field is equal; that decides whether a repeated create with the same id is an
/// idempotent retry (201) or a conflict (409).
/// </summary>
public sealed record TimerSpec(long TimeoutMs, CallbackSpec Callback, TimerData Data)
{
    public bool SameAs(TimerSpec other)
        => TimeoutMs == other.TimeoutMs && Callback == other.Callback && Data.ContentEquals(other.Data);
}
