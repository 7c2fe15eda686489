using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Cluster.Events;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Apply;

/// <summary>
/// The thread-safe face of the pure <see cref="TimerStateMachine"/>: the Raft apply loop writes
/// through it, HTTP handlers and the leader's duties read through it, all under one lock.
/// It also hands applied <see cref="TimerEvent"/>s to the leader while this node leads, every applied entry's
/// lifecycle events to the <see cref="Journal"/>, and every applied entry to an <see cref="IApplyObserver"/> when the
/// host attached one.
/// </summary>
public sealed class AppliedState(int retainedEvents = EventJournal.DefaultCapacity)
{
    private readonly Lock gate = new();
    private TimerStateMachine state = new();
    private readonly List<TimerEvent> events = [];
    private Action<IReadOnlyList<TimerEvent>>? leaderListener;
    private readonly List<CommandResult> observedResults = [];
    private readonly List<LifecycleEvent> lifecycle = [];
    private IApplyObserver? observer;
    private Action<Exception>? observerFaulted;
    private volatile Exception? observerFault;
    private volatile Task current = Task.CompletedTask;

    /// <summary>The lifecycle events of the entries applied here, for the event stream; fed from the first entry applied, replay included.</summary>
    public EventJournal Journal { get; } = new(retainedEvents);

    /// <summary>Runs <paramref name="read"/> against a consistent state. Keep it short: apply waits for it.</summary>
    public T Read<T>(Func<TimerStateMachine, T> read)
    {
        lock (gate)
            return read(state);
    }

    /// <summary>
    /// Pending timers, read without the lock, so at most a moment old: for a cheap first check that is confirmed under
    /// the lock when it matters (the pending-timer limit).
    /// </summary>
    public int PendingCount => Volatile.Read(ref state).PendingCount;

    /// <summary>Bytes of pending timers (<see cref="TimerStateMachine.RetainedBytes"/>), read like <see cref="PendingCount"/>.</summary>
    public long PendingBytes => Volatile.Read(ref state).PendingBytes;

    /// <summary>Finished timers kept, read like <see cref="PendingCount"/>: for the leader's check of their bounds.</summary>
    public int FinishedCount => Volatile.Read(ref state).FinishedCount;

    /// <summary>Bytes of finished timers kept, read like <see cref="PendingCount"/>.</summary>
    public long FinishedBytes => Volatile.Read(ref state).FinishedBytes;

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

    /// <summary>Called by the apply loop only. Returns the entry's stamp (the leader's clock when it proposed the entry).</summary>
    internal long Apply(long index, ReadOnlySpan<byte> payload, IList<CommandResult>? results)
    {
        var entry = LogEntryCodec.Decode(payload);
        lock (gate)
        {
            events.Clear();
            observedResults.Clear();
            state.Apply(index, entry, observedResults, events);
            if (results is not null)
            {
                foreach (var result in observedResults)
                    results.Add(result);
            }

            lifecycle.Clear();
            LifecycleEvents.Derive(index, state.LastStampUnixMs, entry.Commands, observedResults, events, lifecycle);
            Journal.Append(index, lifecycle);
            if (observer is not null)
                Notify(index, entry);

            if (events.Count > 0)
                leaderListener?.Invoke(events);
        }

        return entry.StampUnixMs;
    }

    /// <summary>
    /// Set when the attached <see cref="IApplyObserver"/> threw: the store stopped calling it (a fault in what only
    /// watches must not stop the apply loop), and this says why. Null while all is well.
    /// </summary>
    public Exception? ObserverFault => observerFault;

    /// <summary>
    /// Starts calling <paramref name="applyObserver"/> for every timer entry applied from now on (one observer at a time;
    /// entries applied before this call are not replayed to it). Called once by the host, after the node started.
    /// When the observer throws, <paramref name="faulted"/> hears of it once, with the exception, as the store drops the
    /// observer: the host logs it there. It runs on the apply loop under the store's lock, so it must be short; what
    /// it throws is ignored.
    /// </summary>
    public void Observe(IApplyObserver applyObserver, Action<Exception>? faulted = null)
    {
        lock (gate)
        {
            observer = applyObserver;
            observerFaulted = faulted;
            observerFault = null;
        }
    }

    private void Notify(long index, TimerLogEntry entry)
    {
        try
        {
            observer!.Applied(index, state.LastStampUnixMs, entry.Commands, observedResults, events);
        }
        catch (Exception e)
        {
            Drop(e);
        }
    }

    /// <summary>Stops calling the observer that threw <paramref name="e"/>, and says so once.</summary>
    private void Drop(Exception e)
    {
        observer = null;
        observerFault = e;
        var faulted = observerFaulted;
        observerFaulted = null;
        try
        {
            faulted?.Invoke(e);
        }
        catch (Exception)
        {
            // Only a report: apply goes on whatever it does.
        }
    }

    /// <summary>Called by the apply loop only, for configuration and empty entries.</summary>
    internal void Skip(long index)
    {
        lock (gate)
        {
            state.Skip(index);
            Journal.Append(index, []);
        }
    }

    /// <summary>A frozen copy of the state for a snapshot (see <see cref="TimerStateMachine.Capture"/>).</summary>
    internal SnapshotImage Capture()
    {
        lock (gate)
            return state.Capture();
    }

    /// <summary>
    /// Completes once the state holds everything the log counts as applied: at once, except while a snapshot received
    /// from the leader is still being loaded (the log counts it applied as soon as its file is in place). A read that
    /// must see every committed write (after a read barrier), and a new leader taking over the timers, wait for it.
    /// </summary>
    public Task Current => current;

    /// <summary>Until <paramref name="load"/> completes (and has called <see cref="Replace"/>), the state is not <see cref="Current"/>.</summary>
    internal void Loading(Task load) => current = load;

    /// <summary>
    /// Swaps in a state restored from a snapshot. The caller builds it off the lock, so readers and the leader never
    /// wait for a snapshot to be parsed, and a restore that fails or is cancelled leaves the current state as it was.
    /// </summary>
    internal void Replace(TimerStateMachine restored)
    {
        lock (gate)
        {
            state = restored;
            Journal.Reset(restored.LastAppliedIndex);
            try
            {
                observer?.StateReplaced();
            }
            catch (Exception e)
            {
                Drop(e);
            }
        }
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
            return new LeaderView(state.WithStatus(TimerStatus.Pending), state.FiringCount, state.LastStampUnixMs);
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
public sealed record LeaderView(List<TimerRecord> Pending, int FiringCount, long LastStampUnixMs);
