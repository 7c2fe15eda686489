using RaftTimers.Core.Log;

namespace RaftTimers.Core.Apply;

/// <summary>The kinds of <see cref="LifecycleEvent"/>; their API names are in <see cref="LifecycleEvents.Name"/>.</summary>
public enum LifecycleKind : byte
{
    Created,
    Updated,
    Cancelled,
    Fired,
    Retrying,
    Delivered,
    Failed,
    Purged,
    Skipped,
    Paused,
    Resumed,
    Redriven,

    /// <summary>A failed timer's dead-letter notice was delivered.</summary>
    DeadLettered,

    /// <summary>A failed timer's dead-letter notice ran out of attempts.</summary>
    DeadLetterFailed,
}

/// <summary>
/// One step of a timer's life as the log decided it: the <paramref name="Position"/>-th event of entry
/// <paramref name="Index"/>, applied at the entry's <paramref name="StampUnixMs"/>. The same on every node, since it is
/// derived from the applied entry and its results alone.
/// </summary>
public sealed record LifecycleEvent(long Index, int Position, LifecycleKind Kind, string TimerId, long Version, long StampUnixMs)
{
    /// <summary>When the timer is due: for created, updated, fired and resumed; for skipped, its next occurrence.</summary>
    public long DueAtUnixMs { get; init; }

    /// <summary>The delivery attempt: for retrying, delivered and failed; the notice's attempt for deadLettered and deadLetterFailed.</summary>
    public int Attempt { get; init; }

    /// <summary>Why the attempt failed: for retrying, failed and deadLetterFailed.</summary>
    public string? Error { get; init; }
}

/// <summary>
/// Turns an applied entry into the lifecycle events of the event stream (docs/api.md, "Events"): one per command that
/// changed a timer, in command order, and one per timer a purge removed. Commands that changed nothing (an idempotent
/// retry, a conflict, a stale fire or delivery result, a cancel of an unknown id) give none, and so does a failed
/// attempt of a dead-letter notice that will be tried again: only the notice's end is an event. Pure.
/// </summary>
public static class LifecycleEvents
{
    private static readonly string[] Names = ["created", "updated", "cancelled", "fired", "retrying", "delivered", "failed", "purged", "skipped", "paused", "resumed", "redriven", "deadLettered", "deadLetterFailed"];

    /// <summary>Every kind's API name, in the order of <see cref="LifecycleKind"/>.</summary>
    public static IReadOnlyList<string> AllNames => Names;

    public static string Name(LifecycleKind kind) => Names[(int)kind];

    public static bool TryParse(string name, out LifecycleKind kind)
    {
        var at = Array.IndexOf(Names, name);
        kind = (LifecycleKind)Math.Max(at, 0);
        return at >= 0;
    }

    /// <summary>
    /// Adds the events of entry <paramref name="index"/> to <paramref name="into"/>: <paramref name="results"/> holds one
    /// result per command, <paramref name="events"/> what apply told the leader (the purged timers, in order).
    /// </summary>
    public static void Derive(long index, long stampUnixMs, IReadOnlyList<TimerCommand> commands, IReadOnlyList<CommandResult> results,
        IReadOnlyList<TimerEvent> events, ICollection<LifecycleEvent> into)
    {
        var position = 0;
        var nextEvent = 0;
        for (var i = 0; i < commands.Count && i < results.Count; i++)
        {
            var result = results[i];
            if (result.Outcome != CommandOutcome.Applied)
                continue;
            switch (commands[i])
            {
                case CreateTimer create:
                    into.Add(new LifecycleEvent(index, position++, LifecycleKind.Created, create.TimerId, result.Version, stampUnixMs) { DueAtUnixMs = result.DueAtUnixMs });
                    break;
                case UpdateTimer update:
                    into.Add(new LifecycleEvent(index, position++, LifecycleKind.Updated, update.TimerId, result.Version, stampUnixMs) { DueAtUnixMs = result.DueAtUnixMs });
                    break;
                case CancelTimer cancel:
                    into.Add(new LifecycleEvent(index, position++, LifecycleKind.Cancelled, cancel.TimerId, result.Version, stampUnixMs));
                    break;
                case PauseTimer pause:
                    into.Add(new LifecycleEvent(index, position++, LifecycleKind.Paused, pause.TimerId, result.Version, stampUnixMs));
                    break;
                case RedriveTimer redrive:
                    into.Add(new LifecycleEvent(index, position++, LifecycleKind.Redriven, redrive.TimerId, result.Version, stampUnixMs));
                    break;
                case ResumeTimer resume:
                    into.Add(new LifecycleEvent(index, position++, LifecycleKind.Resumed, resume.TimerId, result.Version, stampUnixMs) { DueAtUnixMs = result.DueAtUnixMs });
                    break;
                case FireTimer fire when result.Reason is TimerStateMachine.SkippedReason or TimerStateMachine.NoOccurrence:
                    into.Add(new LifecycleEvent(index, position++, LifecycleKind.Skipped, fire.TimerId, result.Version, stampUnixMs) { DueAtUnixMs = result.DueAtUnixMs });
                    break;
                case FireTimer fire:
                    into.Add(new LifecycleEvent(index, position++, LifecycleKind.Fired, fire.TimerId, result.Version, stampUnixMs) { DueAtUnixMs = result.DueAtUnixMs });
                    break;
                case RecordDelivery { DeadLetter: true, Outcome: DeliveryOutcome.Retry }:
                    break; // a notice's retry is no step of the timer's life; its end is
                case RecordDelivery { DeadLetter: true } notice:
                    var ended = notice.Outcome == DeliveryOutcome.Delivered ? LifecycleKind.DeadLettered : LifecycleKind.DeadLetterFailed;
                    into.Add(new LifecycleEvent(index, position++, ended, notice.TimerId, notice.Version, stampUnixMs)
                    {
                        Attempt = notice.Attempt,
                        Error = ended == LifecycleKind.DeadLettered ? null : notice.Error,
                    });
                    break;
                case RecordDelivery delivery:
                    var kind = delivery.Outcome switch
                    {
                        DeliveryOutcome.Delivered => LifecycleKind.Delivered,
                        DeliveryOutcome.Retry => LifecycleKind.Retrying,
                        _ => LifecycleKind.Failed,
                    };
                    into.Add(new LifecycleEvent(index, position++, kind, delivery.TimerId, delivery.Version, stampUnixMs)
                    {
                        Attempt = delivery.Attempt,
                        Error = kind == LifecycleKind.Delivered ? null : delivery.Error,
                    });
                    break;
                case PurgeFinished:
                    for (var purged = 0; purged < result.Purged; purged++)
                    {
                        while (events[nextEvent] is not TimerPurged)
                            nextEvent++;
                        var gone = (TimerPurged)events[nextEvent++];
                        into.Add(new LifecycleEvent(index, position++, LifecycleKind.Purged, gone.TimerId, gone.Version, stampUnixMs));
                    }

                    break;
            }

            // A schedule with no occurrence left ended the timer there and then: say so, as a cancel would.
            if (result.Reason == TimerStateMachine.NoOccurrence)
                into.Add(new LifecycleEvent(index, position++, LifecycleKind.Cancelled, commands[i].TimerId, result.Version, stampUnixMs));
        }
    }
}
