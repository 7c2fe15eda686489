using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Cluster.Propose;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Delivers committed fires while this node leads (docs/design.md invariant 4): the queue's rules are
/// <see cref="DeliveryQueue"/>'s and each attempt's are <see cref="DeliveryDecision"/>'s; this sends the attempts,
/// bounded in concurrency, and writes every attempt's result back through the log. Created for one leadership term; its token ends with the term, and a new leader
/// re-delivers whatever is still firing, continuing the attempt count, with the same Idempotency-Key.
/// Every attempt leaves only while this node holds the leader lease (<see cref="ILeaderLease"/>), and is cut short
/// when the lease runs out: a leader cut off from the others stops sending before another can be elected.
/// A failed timer with a dead-letter target owes a notice (<see cref="DeadLetterNotice"/>): the same delivery sends it
/// once the failure is recorded, with attempts and results of its own, and a new leader sends one still pending.
/// </summary>
public sealed partial class DeliveryRunner(
    AppliedState store,
    CommandProposer proposer,
    CallbackTransports transports,
    RetryBackoff backoff,
    SemaphoreSlim concurrency,
    DeliveryOptions options,
    ILeaderObserver observer,
    TimeProvider clock,
    ILogger logger,
    ILeaderLease lease,
    CancellationToken leadership) : IDeliveries
{
    /// <summary>How often a send waiting for the lease looks again: DotNext renews it with each heartbeat round, without an event.</summary>
    private static readonly TimeSpan LeasePoll = TimeSpan.FromMilliseconds(5);

    private readonly ConcurrentDictionary<(string TimerId, long Version), Task> active = new();
    private readonly Lock gate = new();
    private readonly DeliveryQueue queue = new(options.MaxActiveDeliveries);

    /// <summary>The backoff waits under way, by delivery: a fire applied for a delivery already under way cuts its wait short.</summary>
    private readonly ConcurrentDictionary<(string TimerId, long Version), CancellationTokenSource> waits = new();

    /// <summary>Deliveries under way (at most <see cref="DeliveryOptions.MaxActiveDeliveries"/>).</summary>
    public int ActiveCount => active.Count;

    public int WaitingCount
    {
        get
        {
            lock (gate)
                return queue.WaitingCount;
        }
    }

    public bool NeedsRefill
    {
        get
        {
            lock (gate)
                return queue.NeedsRefill;
        }
    }

    public int Capacity => queue.Capacity;

    public int Room
    {
        get
        {
            lock (gate)
                return queue.Room;
        }
    }

    public void RequestRefill()
    {
        lock (gate)
            queue.RequestRefill();
    }

    public void Refilled()
    {
        lock (gate)
            queue.Refilled();
    }

    public bool IsKnown(string timerId, long version)
    {
        lock (gate)
            return queue.IsKnown(timerId, version);
    }

    /// <summary>
    /// Starts the delivery of a timer whose fire (or re-drive) was just applied. When its delivery is already under way,
    /// as when a failed timer's notice is being sent and the timer is re-driven, the delivery's backoff wait ends at
    /// once, so it looks at the log again now instead of after the wait.
    /// </summary>
    public void Start(string timerId, long version)
    {
        Add(timerId, version, offered: false);
        if (waits.TryGetValue((timerId, version), out var wait))
        {
            try
            {
                wait.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The wait ended meanwhile; the delivery reads the log after it anyway.
            }
        }
    }

    public void Offer(string timerId, long version) => Add(timerId, version, offered: true);

    private void Add(string timerId, long version, bool offered)
    {
        lock (gate)
        {
            if (!queue.Add(timerId, version, offered))
                return;
        }

        StartWaiting();
    }

    /// <summary>Starts waiting deliveries while fewer than the maximum are under way.</summary>
    private void StartWaiting()
    {
        while (true)
        {
            (string TimerId, long Version) next;
            lock (gate)
            {
                if (leadership.IsCancellationRequested)
                {
                    queue.DropWaiting();
                    return;
                }

                if (!queue.TryTake(out next))
                    return;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            active[next] = done.Task;
            _ = Task.Run(async () =>
            {
                try
                {
                    await DeliverAsync(next.TimerId, next.Version).ConfigureAwait(false);
                }
                finally
                {
                    active.TryRemove(next, out _);
                    lock (gate)
                        queue.Done(next.TimerId, next.Version);
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
            while (timer is not null && !leadership.IsCancellationRequested)
            {
                await AttemptAsync(timer, notice: timer.Status != TimerStatus.Firing).ConfigureAwait(false);
                var after = Current(timerId, version);
                // On only when the log moved the timer to the other delivery it owes: a firing that failed owes its notice,
                // and a re-drive of a timer whose notice was under way fires again. Anything else ends here.
                if (after is null || SameRun(after, timer))
                    return;
                timer = after;
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
    /// Attempts the timer's firing, or with <paramref name="notice"/> its dead-letter notice, until it is delivered, fails
    /// for good, or its result cannot be recorded; each attempt's result goes through the log.
    /// </summary>
    private async Task AttemptAsync(TimerRecord timer, bool notice)
    {
        var target = notice ? timer.Spec.DeadLetter! : timer.Spec.Callback;
        var first = DeliveryDecision.FirstAttempt(notice ? timer.DeadLetterAttempts : timer.Attempts);
        if (!transports.TryGet(target.Transport, out var transport))
        {
            observer.AttemptEnded(DeliveryAttemptOutcome.Failed, null, notice);
            await RecordAsync(timer, first, DeliveryOutcome.Failed, $"unknown transport '{target.Transport}'", notice).ConfigureAwait(false);
            return;
        }

        for (var attempt = first; !leadership.IsCancellationRequested; attempt++)
        {
            var (result, duration) = await SendAsync(transport, notice ? DeadLetterNotice.For(timer) : timer, attempt).ConfigureAwait(false);
            var outcome = DeliveryDecision.AfterAttempt(attempt, result, options.MaxAttempts);
            if (outcome == DeliveryOutcome.Delivered)
            {
                observer.AttemptEnded(DeliveryAttemptOutcome.Delivered, duration, notice);
                await RecordAsync(timer, attempt, DeliveryOutcome.Delivered, null, notice).ConfigureAwait(false);
                return;
            }

            var last = outcome == DeliveryOutcome.Failed;
            observer.AttemptEnded(last ? DeliveryAttemptOutcome.Failed : DeliveryAttemptOutcome.Retry, duration, notice);
            var what = notice ? "Dead-letter notice" : "Delivery";
            if (result.Permanent)
                LogAttemptRefused(what, timer.Id, timer.Version, attempt, result.Error ?? "refused");
            else
                LogAttemptFailed(what, timer.Id, timer.Version, attempt, result.Error ?? "failed", last);
            if (!await RecordAsync(timer, attempt, outcome, result.Error, notice).ConfigureAwait(false) || last)
                return;

            await WaitBackoffAsync(timer, attempt).ConfigureAwait(false);
            var current = Current(timer.Id, timer.Version);
            if (current is null || !SameRun(current, timer))
                return;
            timer = current;
        }
    }

    /// <summary>
    /// Waits out the backoff after failed attempt <paramref name="attempt"/>, unless the log moves the timer on meanwhile
    /// (<see cref="Start"/> of this delivery cuts the wait short); throws when leadership ends.
    /// </summary>
    private async Task WaitBackoffAsync(TimerRecord timer, int attempt)
    {
        var key = (timer.Id, timer.Version);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(leadership);
        waits[key] = wait;
        try
        {
            // A fire applied before the wait was registered is not missed: the log is read once more first.
            if (Current(timer.Id, timer.Version) is { } now && SameRun(now, timer))
                await Task.Delay(backoff.After(attempt), clock, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!leadership.IsCancellationRequested)
        {
            // Cut short by a fire of this delivery: the caller reads the log again.
        }
        finally
        {
            waits.TryRemove(new KeyValuePair<(string TimerId, long Version), CancellationTokenSource>(key, wait));
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
            if (attempt == 1 && !timer.IsDeadLetterNotice)
                observer.FirstAttemptSending(Lateness(timer));
            while (true)
            {
                var leased = await LeaseAsync().ConfigureAwait(false);
                using var sending = CancellationTokenSource.CreateLinkedTokenSource(leadership, leased);
                using var activity = DeliveryTracing.StartAttempt(timer, attempt);
                var sent = clock.GetTimestamp();
                try
                {
                    var result = await transport.SendAsync(timer, attempt, sending.Token).ConfigureAwait(false);
                    DeliveryTracing.Ended(activity, result);
                    return (result, clock.GetElapsedTime(sent));
                }
                catch (OperationCanceledException) when (leadership.IsCancellationRequested)
                {
                    observer.AttemptEnded(DeliveryAttemptOutcome.Abandoned, clock.GetElapsedTime(sent), timer.IsDeadLetterNotice);
                    throw;
                }
                catch (OperationCanceledException) when (leased.IsCancellationRequested)
                {
                    // The lease ran out mid-send: the receiver may or may not have the callback. The same attempt goes
                    // again under the next lease (same Idempotency-Key), or the next leader delivers it.
                    observer.AttemptEnded(DeliveryAttemptOutcome.Abandoned, clock.GetElapsedTime(sent), timer.IsDeadLetterNotice);
                    LogLeaseLapsed(timer.IsDeadLetterNotice ? "Dead-letter notice" : "Delivery", timer.Id, timer.Version, attempt);
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

    /// <summary>Whether the log still owes the same delivery of a timer: the same phase (firing, or its notice) of the same run.</summary>
    private static bool SameRun(TimerRecord now, TimerRecord before) => now.Status == before.Status && now.Redrives == before.Redrives;

    /// <summary>
    /// The timer if a delivery of it is still owed at this version: firing, or failed with its dead-letter notice pending;
    /// null when the log says it is done or changed.
    /// </summary>
    private TimerRecord? Current(string timerId, long version)
        => store.Read(s => s.Find(timerId) is { } t && t.Version == version
            && (t.Status == TimerStatus.Firing || t.DeadLetter == DeadLetterState.Pending) ? t : null);

    /// <summary>
    /// Writes an attempt's outcome through the log. An unknown outcome is proposed again (the command is
    /// idempotent) for as long as this node leads; false when leadership ended or the result was stale.
    /// </summary>
    private async Task<bool> RecordAsync(TimerRecord timer, int attempt, DeliveryOutcome outcome, string? error, bool notice)
    {
        var command = new RecordDelivery(timer.Id, timer.Version, attempt, outcome, error)
        {
            Occurrence = timer.Occurrence, Run = timer.Redrives, DeadLetter = notice,
        };
        for (var tries = 0; !leadership.IsCancellationRequested; tries++)
        {
            var result = await proposer.ProposeAsync(command, leadership).ConfigureAwait(false);
            switch (DeliveryDecision.AfterRecord(result.Outcome, tries, out var retryAfter))
            {
                case RecordNext.Done:
                    return true;
                case RecordNext.Again:
                    await Task.Delay(retryAfter, clock, leadership).ConfigureAwait(false);
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "{What} of {TimerId} v{Version} attempt {Attempt} failed: {Error} (last: {Last})")]
    private partial void LogAttemptFailed(string what, string timerId, long version, int attempt, string error, bool last);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "{What} of {TimerId} v{Version} attempt {Attempt} refused, it fails without retries: {Error}")]
    private partial void LogAttemptRefused(string what, string timerId, long version, int attempt, string error);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "{What} of {TimerId} v{Version} attempt {Attempt} cut short: the leader lease ran out; it goes again under the next lease")]
    private partial void LogLeaseLapsed(string what, string timerId, long version, int attempt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Delivery of {TimerId} v{Version} stopped by an unexpected error")]
    private partial void LogDeliveryCrashed(Exception e, string timerId, long version);
}
