using RaftTimers.Core.Apply;

namespace RaftTimers.Core.Lead;

/// <summary>
/// The looks at the applied state the leader's step takes: the wheel is only a cache, so a fire is proposed only for a
/// timer the state still holds pending at that version, and deliveries are offered from the firing timers it holds.
/// </summary>
public interface ILeaderStateView
{
    /// <summary>Whether the state holds <paramref name="timerId"/> pending at <paramref name="version"/>.</summary>
    bool IsPendingAt(string timerId, long version);

    /// <summary>Removes from <paramref name="candidates"/> every timer the state no longer holds pending at that version, in one look.</summary>
    void KeepPending(List<WheelEntry> candidates);

    /// <summary>Up to <paramref name="max"/> firing timers, oldest fire first, skipping those <paramref name="skip"/> names.</summary>
    List<TimerRecord> SomeFiring(Func<string, long, bool> skip, int max, out bool more);
}

/// <summary>A view straight over a state machine, for a caller that holds it alone (tests, a single-threaded replay).</summary>
public sealed class StateMachineView(TimerStateMachine state) : ILeaderStateView
{
    public bool IsPendingAt(string timerId, long version) => state.IsPendingAt(timerId, version);

    public void KeepPending(List<WheelEntry> candidates) => Keep(state, candidates);

    public List<TimerRecord> SomeFiring(Func<string, long, bool> skip, int max, out bool more) => state.SomeFiring(skip, max, out more);

    /// <summary>The one rule of <see cref="KeepPending"/>, for views that reach the state some other way.</summary>
    public static void Keep(TimerStateMachine state, List<WheelEntry> candidates)
        => candidates.RemoveAll(e => !state.IsPendingAt(e.TimerId, e.Version));
}
