using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Cluster.Propose;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Delivers committed fires while this node leads (docs/design.md invariant 4): at most
/// <see cref="DeliveryOptions.MaxActiveDeliveries"/> deliveries under way, the other firing timers queued, attempts
/// bounded in number and in concurrency, and every attempt's result written back through the log. Created for one leadership term; its token ends with the term, and a new leader
/// re-delivers whatever is still firing, continuing the attempt count, with the same Idempotency-Key.
/// Every attempt leaves only while this node holds the leader lease (<see cref="ILeaderLease"/>), and is cut short
/// when the lease runs out: a leader cut off from the others stops sending before another can be elected.
/// </summary>
public sealed partial class DeliveryRunner(
    AppliedState store,
    CommandProposer proposer,
    IReadOnlyDictionary<string, ICallbackTransport> transports,
    RetryBackoff backoff,
    SemaphoreSlim concurrency,
    DeliveryOptions options,
    ILeaderObserver observer,
    TimeProvider clock,
    ILogger logger,
    ILeaderLease lease,
    CancellationToken leadership)
{
    /// <summary>How often a send waiting for the lease looks again: DotNext renews it with each heartbeat round, without an event.</summary>
    private static readonly TimeSpan LeasePoll = TimeSpan.FromMilliseconds(5);

    private readonly ConcurrentDictionary<string, Task> active = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly Queue<(string TimerId, long Version, string Key)> waiting = new();
    private readonly HashSet<string> known = new(StringComparer.Ordinal); // waiting or under way
    private int running;
    private int refill;

    /// <summary>Deliveries under way (at most <see cref="DeliveryOptions.MaxActiveDeliveries"/>).</summary>
    public int ActiveCount => active.Count;

    /// <summary>Firing timers waiting for a delivery to end before theirs starts.</summary>
    public int WaitingCount
    {
        get
        {
            lock (gate)
                return waiting.Count;
        }
    }

    /// <summary>
    /// Set when a firing timer was turned away because the queue was full (or the leader asked for a look at every
    /// firing timer): the leader then offers more from the state as room frees up (<see cref="Room"/>, <see cref="IsKnown"/>).
    /// </summary>
    public bool NeedsRefill => Volatile.Read(ref refill) == 1;

    /// <summary>How many firing timers the queue holds at most, beside the deliveries under way.</summary>
    public int Capacity => options.MaxActiveDeliveries;

    /// <summary>How many more firing timers the queue takes now.</summary>
    public int Room
    {
        get
        {
            lock (gate)
                return options.MaxActiveDeliveries - waiting.Count;
        }
    }

    /// <summary>Asks the leader to offer every firing timer again, a queue's worth at a time (a term's start, a periodic sweep).</summary>
    public void RequestRefill() => Volatile.Write(ref refill, 1);

    /// <summary>Called by the leader when the state holds no firing timer beyond those it just offered.</summary>
    public void Refilled() => Volatile.Write(ref refill, 0);

    /// <summary>Whether the delivery of <paramref name="timerId"/> at <paramref name="version"/> is waiting or under way.</summary>
    public bool IsKnown(string timerId, long version)
    {
        var key = $"{timerId}:{version}";
        lock (gate)
            return known.Contains(key);
    }

    /// <summary>
    /// Delivers <paramref name="timerId"/> at <paramref name="version"/> unless that delivery is already waiting or under way.
    /// The queue holds at most <see cref="DeliveryOptions.MaxActiveDeliveries"/> beside those under way: a timer turned away
    /// stays firing in the state and is offered again when there is room (<see cref="NeedsRefill"/>), so a million timers
    /// fired at once cost the leader a bounded queue, not an entry each.
    /// </summary>
    public void Start(string timerId, long version) => Start(timerId, version, offered: false);

    /// <summary>Starts a firing timer the leader offered from the state, oldest first (see <see cref="NeedsRefill"/>).</summary>
    public void Offer(string timerId, long version) => Start(timerId, version, offered: true);

    private void Start(string timerId, long version, bool offered)
    {
        var key = $"{timerId}:{version}";
        lock (gate)
        {
            if (known.Contains(key))
                return;
            // Once one was turned away, newly fired timers queue behind it: they wait for the leader's offer too, which
            // takes the oldest fires first, so none waits for good while newer ones keep arriving.
            if (waiting.Count >= options.MaxActiveDeliveries || (!offered && Volatile.Read(ref refill) == 1))
            {
                Volatile.Write(ref refill, 1);
                return;
            }

            known.Add(key);
            waiting.Enqueue((timerId, version, key));
        }

        StartWaiting();
    }

    /// <summary>Starts waiting deliveries while fewer than the maximum are under way.</summary>
    private void StartWaiting()
    {
        while (true)
        {
            (string TimerId, long Version, string Key) next;
            lock (gate)
            {
                if (leadership.IsCancellationRequested)
                {
                    // The term ended: the next leader delivers whatever is still firing, from the log.
                    foreach (var dropped in waiting)
                        known.Remove(dropped.Key);
                    waiting.Clear();
                    return;
                }

                if (running >= options.MaxActiveDeliveries || !waiting.TryDequeue(out next))
                    return;
                running++;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            active[next.Key] = done.Task;
            _ = Task.Run(async () =>
            {
                try
                {
                    await DeliverAsync(next.TimerId, next.Version).ConfigureAwait(false);
                }
                finally
                {
                    active.TryRemove(next.Key, out _);
                    lock (gate)
                    {
                        running--;
                        known.Remove(next.Key);
                    }

                    done.TrySetResult();
                    StartWaiting();
                }
            });
        }
    }

    /// <summary>Waits for the deliveries under way to notice the end of the term; waiting ones never start.</summary>
    public Task StopAsync()
    {
        StartWaiting(); // with leadership over, drops the queue
        return Task.WhenAll(active.Values);
    }

    private async Task DeliverAsync(string timerId, long version)
    {
        try
        {
            var timer = Current(timerId, version);
            if (timer is null)
                return;

            if (!transports.TryGetValue(timer.Spec.Callback.Transport, out var transport))
            {
                observer.AttemptEnded(DeliveryAttemptOutcome.Failed, null);
                await RecordAsync(timer, timer.Attempts + 1, DeliveryOutcome.Failed, $"unknown transport '{timer.Spec.Callback.Transport}'").ConfigureAwait(false);
                return;
            }

            for (var attempt = timer.Attempts + 1; !leadership.IsCancellationRequested; attempt++)
            {
                var (result, duration) = await SendAsync(transport, timer, attempt).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    observer.AttemptEnded(DeliveryAttemptOutcome.Delivered, duration);
                    await RecordAsync(timer, attempt, DeliveryOutcome.Delivered, null).ConfigureAwait(false);
                    return;
                }

                var last = attempt >= options.MaxAttempts || result.Permanent;
                observer.AttemptEnded(last ? DeliveryAttemptOutcome.Failed : DeliveryAttemptOutcome.Retry, duration);
                if (result.Permanent)
                    LogAttemptRefused(timerId, version, attempt, result.Error ?? "refused");
                else
                    LogAttemptFailed(timerId, version, attempt, result.Error ?? "failed", last);
                if (!await RecordAsync(timer, attempt, last ? DeliveryOutcome.Failed : DeliveryOutcome.Retry, result.Error).ConfigureAwait(false) || last)
                    return;

                await Task.Delay(backoff.After(attempt), clock, leadership).ConfigureAwait(false);
                timer = Current(timerId, version);
                if (timer is null)
                    return;
            }
        }
        catch (OperationCanceledException) when (leadership.IsCancellationRequested)
        {
            // The term ended; the next leader takes over from the state in the log.
        }
        catch (Exception e)
        {
            LogDeliveryCrashed(e, timerId, version);
        }
    }

    /// <summary>
    /// Sends one attempt once a delivery slot is free, and reports what only this step sees: the first attempt's lateness
    /// as it leaves, and an attempt cut short by the end of leadership. The caller reports the other outcomes.
    /// </summary>
    private async Task<(AttemptResult Result, TimeSpan Duration)> SendAsync(ICallbackTransport transport, TimerRecord timer, int attempt)
    {
        await concurrency.WaitAsync(leadership).ConfigureAwait(false);
        try
        {
            if (attempt == 1)
                observer.FirstAttemptSending(Lateness(timer));
            while (true)
            {
                var leased = await LeaseAsync().ConfigureAwait(false);
                using var sending = CancellationTokenSource.CreateLinkedTokenSource(leadership, leased);
                var sent = clock.GetTimestamp();
                try
                {
                    var result = await transport.SendAsync(timer, attempt, sending.Token).ConfigureAwait(false);
                    return (result, clock.GetElapsedTime(sent));
                }
                catch (OperationCanceledException) when (leadership.IsCancellationRequested)
                {
                    observer.AttemptEnded(DeliveryAttemptOutcome.Abandoned, clock.GetElapsedTime(sent));
                    throw;
                }
                catch (OperationCanceledException) when (leased.IsCancellationRequested)
                {
                    // The lease ran out mid-send: the receiver may or may not have the callback. The same attempt goes
                    // again under the next lease (same Idempotency-Key), or the next leader delivers it.
                    observer.AttemptEnded(DeliveryAttemptOutcome.Abandoned, clock.GetElapsedTime(sent));
                    LogLeaseLapsed(timer.Id, timer.Version, attempt);
                }
            }
        }
        finally
        {
            concurrency.Release();
        }
    }

    /// <summary>A lease token that is live now, waiting while there is none; throws when leadership ends meanwhile.</summary>
    private async ValueTask<CancellationToken> LeaseAsync()
    {
        CancellationToken leased;
        while (!lease.TryGet(out leased))
            await Task.Delay(LeasePoll, clock, leadership).ConfigureAwait(false);
        return leased;
    }

    /// <summary>How long after its due time the timer's first attempt leaves, by this node's clock; never negative.</summary>
    private TimeSpan Lateness(TimerRecord timer)
        => TimeSpan.FromMilliseconds(Math.Max(0, clock.GetUtcNow().ToUnixTimeMilliseconds() - timer.DueAtUnixMs));

    /// <summary>The timer if it is still firing at this version; null when the log says it is done or changed.</summary>
    private TimerRecord? Current(string timerId, long version)
        => store.Read(s => s.Find(timerId) is { Status: TimerStatus.Firing } t && t.Version == version ? t : null);

    /// <summary>
    /// Writes an attempt's outcome through the log. An unknown outcome is proposed again (the command is
    /// idempotent) for as long as this node leads; false when leadership ended or the result was stale.
    /// </summary>
    private async Task<bool> RecordAsync(TimerRecord timer, int attempt, DeliveryOutcome outcome, string? error)
    {
        var command = new RecordDelivery(timer.Id, timer.Version, attempt, outcome, error);
        for (var tries = 0; !leadership.IsCancellationRequested; tries++)
        {
            var result = await proposer.ProposeAsync(command, leadership).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case CommandOutcome.Applied or CommandOutcome.AlreadyApplied:
                    return true;
                case CommandOutcome.Indeterminate or CommandOutcome.Rejected:
                    await Task.Delay(TimeSpan.FromMilliseconds(100 << Math.Min(tries, 4)), clock, leadership).ConfigureAwait(false);
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Delivery of {TimerId} v{Version} attempt {Attempt} failed: {Error} (last: {Last})")]
    private partial void LogAttemptFailed(string timerId, long version, int attempt, string error, bool last);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Delivery of {TimerId} v{Version} attempt {Attempt} refused, the timer fails without retries: {Error}")]
    private partial void LogAttemptRefused(string timerId, long version, int attempt, string error);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Delivery of {TimerId} v{Version} attempt {Attempt} cut short: the leader lease ran out; it goes again under the next lease")]
    private partial void LogLeaseLapsed(string timerId, long version, int attempt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Delivery of {TimerId} v{Version} stopped by an unexpected error")]
    private partial void LogDeliveryCrashed(Exception e, string timerId, long version);
}
