using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>One timer of the reference model: plain mutable fields.</summary>
internal sealed class ModelTimer
{
    public required string Id;
    public required TimerSpec Spec;
    public long Version;
    public TimerStatus Status;
    public long CreatedAt;
    public long DueAt;
    public int Attempts;
    public string? LastError;
    public long FinishedAt;
    public long FiredAtIndex;
    public int FireCount;
}

/// <summary>What the model says a command does: the outcome, and the timer's version and due time when they are reported.</summary>
internal readonly record struct ModelResult(CommandOutcome Outcome, long Version = 0, long DueAt = 0);

/// <summary>
/// The reference model of the timer rules, written from docs/design.md and the command doc comments,
/// not from <see cref="TimerStateMachine"/>: a dictionary and straight-line rules, no indexes, no queues.
/// </summary>
internal sealed class TimerModel
{
    private readonly Dictionary<string, ModelTimer> timers = new(StringComparer.Ordinal);

    public long LastIndex { get; private set; }

    public long LastStamp { get; private set; }

    public IReadOnlyCollection<ModelTimer> Timers => timers.Values;

    public ModelTimer? Find(string id) => timers.GetValueOrDefault(id);

    public IEnumerable<ModelTimer> WithStatus(TimerStatus status) => timers.Values.Where(t => t.Status == status);

    /// <summary>Starts entry <paramref name="index"/>; returns the stamp its commands apply at (time never goes back).</summary>
    public long BeginEntry(long index, long stamp)
    {
        Skip(index);
        LastStamp = Math.Max(LastStamp, stamp);
        return LastStamp;
    }

    public void Skip(long index)
    {
        if (index <= LastIndex)
            throw new InvalidOperationException($"model: index {index} after {LastIndex}");
        LastIndex = index;
    }

    public ModelResult Apply(TimerCommand command, List<TimerEvent> events)
    {
        var now = LastStamp;
        switch (command)
        {
            case CreateTimer c:
            {
                if (timers.TryGetValue(c.TimerId, out var existing))
                {
                    var same = CommandAssert.SameSpec(existing.Spec, c.Spec);
                    return new(same ? CommandOutcome.AlreadyApplied : CommandOutcome.Conflict, existing.Version, existing.DueAt);
                }

                var timer = new ModelTimer
                {
                    Id = c.TimerId, Spec = c.Spec, Version = 1, Status = TimerStatus.Pending, CreatedAt = now, DueAt = c.Spec.DueAtUnixMs ?? now + c.Spec.TimeoutMs,
                };
                timers[c.TimerId] = timer;
                events.Add(new TimerScheduled(timer.Id, 1, timer.DueAt));
                return new(CommandOutcome.Applied, 1, timer.DueAt);
            }

            case UpdateTimer u:
            {
                if (!timers.TryGetValue(u.TimerId, out var timer) || timer.Status != TimerStatus.Pending)
                    return new(CommandOutcome.NotFound);
                if (u.ExpectedVersion is { } expected && expected != timer.Version)
                    return new(CommandOutcome.Conflict, timer.Version, timer.DueAt);

                timer.Version++;
                timer.Spec = u.Spec;
                timer.DueAt = u.Spec.DueAtUnixMs ?? now + u.Spec.TimeoutMs;
                timer.FiredAtIndex = 0;
                timer.FireCount = 0;
                events.Add(new TimerScheduled(timer.Id, timer.Version, timer.DueAt));
                return new(CommandOutcome.Applied, timer.Version, timer.DueAt);
            }

            case CancelTimer c:
            {
                if (timers.TryGetValue(c.TimerId, out var cancelled) && cancelled.Status == TimerStatus.Cancelled)
                    return new(CommandOutcome.AlreadyApplied, cancelled.Version, cancelled.DueAt);
                if (!timers.TryGetValue(c.TimerId, out var timer) || timer.Status != TimerStatus.Pending)
                    return new(CommandOutcome.NotFound);

                timer.Status = TimerStatus.Cancelled;
                timer.FinishedAt = now;
                events.Add(new TimerUnscheduled(timer.Id));
                return new(CommandOutcome.Applied, timer.Version, timer.DueAt);
            }

            case FireTimer f:
            {
                if (!timers.TryGetValue(f.TimerId, out var timer))
                    return new(CommandOutcome.NotFound);
                var applies = timer.Status == TimerStatus.Pending && timer.Version == f.Version && timer.DueAt <= now;
                if (!applies)
                    return new(CommandOutcome.Stale, timer.Version, timer.DueAt);

                timer.Status = TimerStatus.Firing;
                timer.FiredAtIndex = LastIndex;
                timer.FireCount++;
                events.Add(new TimerFired(timer.Id, timer.Version));
                return new(CommandOutcome.Applied, timer.Version, timer.DueAt);
            }

            case RecordDelivery d:
            {
                if (!timers.TryGetValue(d.TimerId, out var timer))
                    return new(CommandOutcome.NotFound);
                // A retry must be for a newer attempt; a final outcome of the current firing is taken
                // whatever its attempt number (the callback did happen, or the sender gave up).
                var current = timer.Status == TimerStatus.Firing && timer.Version == d.Version;
                if (!current || (d.Outcome == DeliveryOutcome.Retry && d.Attempt <= timer.Attempts))
                    return new(CommandOutcome.Stale, timer.Version, timer.DueAt);

                timer.Attempts = Math.Max(timer.Attempts, d.Attempt);
                if (d.Error is not null)
                    timer.LastError = Cut(d.Error);
                if (d.Outcome != DeliveryOutcome.Retry)
                {
                    timer.Status = d.Outcome == DeliveryOutcome.Delivered ? TimerStatus.Delivered : TimerStatus.Failed;
                    timer.FinishedAt = now;
                }

                return new(CommandOutcome.Applied, timer.Version, timer.DueAt);
            }

            case PurgeFinished p:
            {
                // Oldest first by (finish time, id); past the retention always, beyond the bounds when given; at most a slice.
                var finished = timers.Values.Where(t => IsFinished(t.Status))
                    .OrderBy(t => t.FinishedAt).ThenBy(t => t.Id, StringComparer.Ordinal).ToList();
                long count = finished.Count, bytes = finished.Sum(Bytes);
                var purged = 0;
                foreach (var t in finished)
                {
                    var overBounds = p.Bounds is { } b && (count > b.MaxTimers || bytes > b.MaxBytes);
                    if (purged == (p.Bounds?.MaxPerEntry ?? int.MaxValue) || !(now - t.FinishedAt >= p.RetentionMs || overBounds))
                        break;
                    timers.Remove(t.Id);
                    events.Add(new TimerPurged(t.Id, t.Version));
                    count--;
                    bytes -= Bytes(t);
                    purged++;
                }

                return new(purged > 0 ? CommandOutcome.Applied : CommandOutcome.AlreadyApplied);
            }

            default:
                throw new InvalidOperationException($"model: no rule for {command}");
        }
    }

    /// <summary>Id, URI, data and last error, as the state machine counts a timer's bytes.</summary>
    internal static long Bytes(ModelTimer t)
        => t.Id.Length + t.Spec.Callback.UriUtf8.Length + t.Spec.Data.Utf8.Length + (t.LastError?.Length ?? 0);

    private static bool IsFinished(TimerStatus status) => status is TimerStatus.Delivered or TimerStatus.Failed or TimerStatus.Cancelled;

    /// <summary>Keeps at most <see cref="TimerLimits.MaxErrorLength"/> characters, without splitting a surrogate pair.</summary>
    private static string Cut(string error)
    {
        if (error.Length <= TimerLimits.MaxErrorLength)
            return error;
        var length = TimerLimits.MaxErrorLength;
        if (char.IsHighSurrogate(error[length - 1]) && char.IsLowSurrogate(error[length]))
            length--;
        return error[..length];
    }
}
