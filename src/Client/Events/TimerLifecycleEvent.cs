using System.Text.Json.Serialization;

namespace RaftTimers.Client;

/// <summary>
/// One step of a timer's life, from the cluster's event stream (GET /events, docs/api.md "Events"): the same, in the
/// same order, on every node, since each is derived from a committed log entry.
/// </summary>
public sealed record TimerLifecycleEvent
{
    /// <summary><c>{index}:{position}</c>: the event's place in the log; give it as <see cref="EventQuery.After"/> to resume after it, on any node.</summary>
    public required string Id { get; init; }

    /// <summary>The Raft log index of the entry that made the change.</summary>
    public long Index { get; init; }

    /// <summary>One of <see cref="TimerEventKinds"/>.</summary>
    public required string Kind { get; init; }

    public required string TimerId { get; init; }

    public long Version { get; init; }

    /// <summary>When the leader stamped the entry.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>When the timer is due: for created, updated and fired.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>The delivery attempt: for retrying, delivered and failed.</summary>
    public int? Attempt { get; init; }

    /// <summary>Why the attempt failed: for retrying and failed.</summary>
    public string? Error { get; init; }

    /// <summary>Fields a newer node sends that this client does not know.</summary>
    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Other { get; init; }
}

/// <summary>The kinds of <see cref="TimerLifecycleEvent"/>.</summary>
public static class TimerEventKinds
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Cancelled = "cancelled";
    public const string Fired = "fired";

    /// <summary>An attempt failed and another follows.</summary>
    public const string Retrying = "retrying";
    public const string Delivered = "delivered";

    /// <summary>The last attempt failed: the timer ended failed.</summary>
    public const string Failed = "failed";

    /// <summary>A finished timer was removed after its retention.</summary>
    public const string Purged = "purged";

    /// <summary>A repeating timer's occurrence was missed and its schedule skips those: no firing; <see cref="TimerLifecycleEvent.DueAt"/> is the next occurrence.</summary>
    public const string Skipped = "skipped";

    public const string Paused = "paused";

    /// <summary>A paused timer may fire again; <see cref="TimerLifecycleEvent.DueAt"/> is when.</summary>
    public const string Resumed = "resumed";

    /// <summary>A failed timer is delivered again (a re-drive).</summary>
    public const string Redriven = "redriven";

    /// <summary>A failed timer's dead-letter notice was delivered; <see cref="TimerLifecycleEvent.Attempt"/> is the notice's.</summary>
    public const string DeadLettered = "deadLettered";

    /// <summary>A failed timer's dead-letter notice ran out of attempts.</summary>
    public const string DeadLetterFailed = "deadLetterFailed";

    /// <summary>Every kind, in the order the nodes list them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Created, Updated, Cancelled, Fired, Retrying, Delivered, Failed, Purged, Skipped, Paused, Resumed, Redriven, DeadLettered, DeadLetterFailed];
}

/// <summary>Which events to stream.</summary>
/// <param name="prefix">Only timers whose id starts with this.</param>
/// <param name="kinds">Only these kinds (<see cref="TimerEventKinds"/>); all when empty.</param>
/// <param name="after">Resume after this event id; null starts with the next event applied.</param>
public sealed class EventQuery(string? prefix = null, IReadOnlyList<string>? kinds = null, string? after = null)
{
    public string? Prefix { get; } = prefix;

    public IReadOnlyList<string> Kinds { get; } = kinds ?? [];

    public string? After { get; } = after;
}

/// <summary>
/// The node no longer keeps the events after the id asked for (410): resume from <see cref="ResumeFrom"/>, the oldest
/// place it can, after catching up on what happened before by listing the timers.
/// </summary>
public sealed class EventsGoneException(Uri node, string reason, string? resumeFrom) : RaftTimersException(reason)
{
    public Uri Node { get; } = node;

    /// <summary>The event id to resume after; null when the node did not say.</summary>
    public string? ResumeFrom { get; } = resumeFrom;
}
