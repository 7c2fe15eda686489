using System.Globalization;

namespace RaftTimers.Core.Log;

/// <summary>
/// Which command versions a build reads, as one number it publishes in its Raft metadata. A leader writes a newer
/// command version only once every member publishes a level that reads it: during a rolling upgrade an old node would
/// otherwise be handed a committed entry it cannot decode, and stop. Levels only grow, and a build reads every level
/// up to its own. Downgrading a node below the level the cluster reached is not supported.
/// </summary>
public static class LogLevels
{
    /// <summary>The Raft metadata key under which each node publishes its level.</summary>
    public const string MetadataKey = "log";

    /// <summary>
    /// Every command as builds without a level wrote them (create, update versions 1 and 2, cancel, fire, delivery
    /// result, purge version 1). A member that publishes no level is at this one.
    /// </summary>
    public const int Base = 1;

    /// <summary>Adds purge version 2, with bounds on the finished timers kept.</summary>
    public const int PurgeBounds = 2;

    /// <summary>
    /// Adds create version 2 and update version 3, whose spec may say an absolute due time (<c>dueAt</c>), and
    /// snapshot format 2, which holds such specs.
    /// </summary>
    public const int AbsoluteDue = 3;

    /// <summary>
    /// Adds create version 3 and update version 4, whose spec carries tagged fields (the callback's headers), and
    /// snapshot format 3, which holds such specs.
    /// </summary>
    public const int SpecFields = 4;

    /// <summary>
    /// Adds create version 4 and update version 5, whose spec may hold a schedule (a repeating timer), delivery result
    /// version 2, which names the repeating timer's firing, and snapshot
    /// format 4, which holds such specs and each timer's occurrence.
    /// </summary>
    public const int Schedules = 5;

    /// <summary>
    /// Adds the pause, resume and re-drive commands, purge version 3 (a retention of failed timers of their own), and
    /// snapshot format 5, which holds paused timers.
    /// </summary>
    public const int PauseResume = 6;

    /// <summary>
    /// Adds create version 5 and update version 6, whose spec may name a dead-letter target, delivery result version 4
    /// (of a dead-letter notice), and snapshot format 6, which holds such specs and where each notice stands.
    /// </summary>
    public const int DeadLetters = 7;

    /// <summary>
    /// Adds create version 6 and update version 7, which carry the trace context of the request that wrote them, and
    /// snapshot format 7, which keeps it with the timer. A write's trace is dropped, not refused, until every member
    /// reads this level: tracing never costs a client its write.
    /// </summary>
    public const int TraceContexts = 8;

    /// <summary>The level of this build.</summary>
    public const int Current = TraceContexts;

    /// <summary>The level every member must read before <paramref name="command"/> may be written to the log.</summary>
    public static int Needed(TimerCommand command) => command switch
    {
        CreateTimer create => Math.Max(create.Trace is null ? Base : TraceContexts, NeededFor(create.Spec)),
        UpdateTimer update => Math.Max(update.Trace is null ? Base : TraceContexts, NeededFor(update.Spec)),
        PurgeFinished { FailedRetentionMs: not null } => PauseResume,
        PurgeFinished { Bounds: not null } => PurgeBounds,
        RecordDelivery { DeadLetter: true } => DeadLetters,
        RecordDelivery { Run: > 0 } => PauseResume,
        RecordDelivery { Occurrence: > 0 } => Schedules,
        PauseTimer or ResumeTimer or RedriveTimer => PauseResume,
        _ => Base,
    };

    private static int NeededFor(Model.TimerSpec spec) => LogEntryCodec.SpecFormatOf(spec) switch
    {
        LogEntryCodec.SpecFormat5 => DeadLetters,
        LogEntryCodec.SpecFormat4 => Schedules,
        LogEntryCodec.SpecFormat3 => SpecFields,
        LogEntryCodec.SpecFormat2 => AbsoluteDue,
        _ => Base,
    };

    /// <summary>The level a member's metadata publishes; <see cref="Base"/> when it publishes none or nothing is known of it.</summary>
    public static int Of(IReadOnlyDictionary<string, string>? metadata)
        => metadata is not null && metadata.TryGetValue(MetadataKey, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var level) && level >= Base
                ? level
                : Base;

    /// <summary>The highest level every member reads: the lowest one published (this node counts with <see cref="Current"/>).</summary>
    public static int Lowest(IEnumerable<IReadOnlyDictionary<string, string>?> remoteMembers)
        => remoteMembers.Select(Of).Append(Current).Min();
}
