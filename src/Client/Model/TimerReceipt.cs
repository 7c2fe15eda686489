using System.Text.Json.Serialization;

namespace RaftTimers.Client;

/// <summary>The answer to a create or a replace: the timer's id, when it is due, its version, and (for a create) where it lives.</summary>
public sealed record TimerReceipt(
    string Id,
    DateTimeOffset DueAt,
    long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Location = null);
