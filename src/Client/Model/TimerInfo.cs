using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftTimers.Client;

/// <summary>A timer as a node shows it (docs/api.md, GET /timer/{id}).</summary>
public sealed record TimerInfo
{
    public required string Id { get; init; }

    /// <summary>One of <see cref="TimerStates"/>.</summary>
    public required string State { get; init; }

    /// <summary>When the leader applied the create or the last replace.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset DueAt { get; init; }

    /// <summary>The delay in ms the timer was created or last replaced with; null when it was given a due time instead.</summary>
    public long? Timeout { get; init; }

    /// <summary>The callback's body as the timer holds it: a JSON string, an object, or null for none.</summary>
    public JsonElement? Data { get; init; }

    public required CallbackTarget Callback { get; init; }

    /// <summary>Goes up with each replace; <c>If-Match</c> on a replace names it.</summary>
    public long Version { get; init; }

    public int Attempts { get; init; }

    /// <summary>The log index of the fire decision, part of each callback's <c>Idempotency-Key</c>; 0 before it fired.</summary>
    public long FiredAtIndex { get; init; }

    public int FireCount { get; init; }

    /// <summary>A repeating timer's schedule; null for one that fires once (the node then sends none).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Schedule? Schedule { get; init; }

    /// <summary>A repeating timer's current (or next) firing, from 1: the n of its <c>Idempotency-Key</c>; 0 for one that fires once.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Occurrence { get; init; }

    public string? LastError { get; init; }

    /// <summary>The dead-letter target and where its notice stands; null for a timer without one (the node then sends none).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeadLetterInfo? DeadLetter { get; init; }

    /// <summary>Fields this client does not know yet, kept so that a timer written back out loses nothing.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; init; }
}

/// <summary>A timer's dead-letter target and where its notice stands (docs/api.md, "Dead letters").</summary>
public sealed record DeadLetterInfo
{
    public required string Transport { get; init; }

    public required string Method { get; init; }

    public required string Uri { get; init; }

    /// <summary><c>none</c> until the timer ends failed, then <c>pending</c>, and <c>delivered</c> or <c>failed</c>.</summary>
    public required string State { get; init; }

    /// <summary>The notice's attempts so far.</summary>
    public int Attempts { get; init; }

    /// <summary>Why the notice's last attempt failed; null when none failed.</summary>
    public string? LastError { get; init; }
}

/// <summary>The states of a timer.</summary>
public static class TimerStates
{
    public const string Pending = "pending";
    public const string Firing = "firing";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Held by a pause: it does not fire until resumed.</summary>
    public const string Paused = "paused";

    public static IReadOnlyList<string> All { get; } = [Pending, Paused, Firing, Delivered, Failed, Cancelled];
}
