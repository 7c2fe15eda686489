using RaftTimers.Commands;
using RaftTimers.Model;
using RaftTimers.StateMachine;

namespace RaftTimers.Raft;

/// <summary>
/// The thread-safe face of the pure <see cref="TimerStateMachine"/>: the Raft apply loop writes
/// through it, HTTP handlers and the leader's duties read through it, all under one lock.
/// It also hands applied <see cref="TimerEvent"/>s to the leader while this node leads.
/// </summary>
public sealed class TimerStore
{
    private readonly Lock gate = new();
    private TimerStateMachine state = new();
    private readonly List<TimerEvent> events = [];
    private Action<IReadOnlyList<TimerEvent>>? leaderListener;

    /// <summary>Runs <paramref name="read"/> against a consistent state. Keep it short: apply waits for it.</summary>
    public T Read<T>(Func<TimerStateMachine, T> read)
    {
        lock (gate)
            return read(state);
    }

    public long LastAppliedIndex
    {
        get
        {
            lock (gate)
                return state.LastAppliedIndex;
        }
    }

    public long LastStampUnixMs
    {
        get
        {
            lock (gate)
                return state.LastStampUnixMs;
        }
    }

    /// <summary>Called by the apply loop only.</summary>
    internal void Apply(long index, ReadOnlySpan<byte> payload, IList<CommandResult>? results)
    {
        lock (gate)
        {
            events.Clear();
            state.Apply(index, payload, results, events);
            if (events.Count > 0)
                leaderListener?.Invoke(events);
        }
    }

    /// <summary>Called by the apply loop only, for configuration and empty entries.</summary>
    internal void Skip(long index)
    {
        lock (gate)
            state.Skip(index);
    }

    /// <summary>A frozen copy of the state for a snapshot (see <see cref="TimerStateMachine.Capture"/>).</summary>
    internal SnapshotImage Capture()
    {
        lock (gate)
            return state.Capture();
    }

    /// <summary>
    /// Swaps in a state restored from a snapshot. The caller builds it off the lock, so readers and the leader never
    /// wait for a snapshot to be parsed, and a restore that fails or is cancelled leaves the current state as it was.
    /// </summary>
    internal void Replace(TimerStateMachine restored)
    {
        lock (gate)
            state = restored;
    }

    /// <summary>
    /// Starts handing applied events to <paramref name="listener"/> and returns, atomically with it,
    /// the timers the new leader must take over: pending ones for its wheel, firing ones to re-deliver.
    /// No event is lost or seen twice between the returned view and the first event.
    /// The listener runs under the state lock: it must only enqueue.
    /// </summary>
    public LeaderView AttachLeader(Action<IReadOnlyList<TimerEvent>> listener)
    {
        lock (gate)
        {
            leaderListener = listener;
            return new LeaderView(state.WithStatus(TimerStatus.Pending), state.Firing(), state.LastStampUnixMs);
        }
    }

    public void DetachLeader(Action<IReadOnlyList<TimerEvent>> listener)
    {
        lock (gate)
        {
            if (ReferenceEquals(leaderListener, listener))
                leaderListener = null;
        }
    }
}

/// <summary>What a new leader takes over from the state at the moment it attaches.</summary>
public sealed record LeaderView(List<TimerRecord> Pending, List<TimerRecord> Firing, long LastStampUnixMs);
