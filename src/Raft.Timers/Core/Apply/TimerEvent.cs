namespace RaftTimers.Core.Apply;

/// <summary>
/// What an applied entry means for the leader's work: the leader's timing wheel and delivery
/// follow these events. Apply emits them on every node; the leader follows them, and the lifecycle event stream
/// (<see cref="LifecycleEvents"/>) takes the purged ids from them.
/// </summary>
public abstract record TimerEvent(string TimerId);

/// <summary>A timer became pending at <paramref name="Version"/>, due at <paramref name="DueAtUnixMs"/> (create or update).</summary>
public sealed record TimerScheduled(string TimerId, long Version, long DueAtUnixMs) : TimerEvent(TimerId);

/// <summary>A pending timer was cancelled; its wheel slot can go.</summary>
public sealed record TimerUnscheduled(string TimerId) : TimerEvent(TimerId);

/// <summary>The fire decision for <paramref name="Version"/> is committed: deliver it.</summary>
public sealed record TimerFired(string TimerId, long Version) : TimerEvent(TimerId);

/// <summary>A finished timer at <paramref name="Version"/> was purged: it can no longer be read. Nothing for the leader to do.</summary>
public sealed record TimerPurged(string TimerId, long Version) : TimerEvent(TimerId);
