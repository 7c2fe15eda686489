using System.Text.Json.Serialization;

namespace RaftTimers.Client;

/// <summary>
/// The answer to a create, a replace, a pause or a resume: the timer's id, when it is due, its version, (for a create)
/// where it lives, and (for a pause or a resume) the state it left the timer in.
/// </summary>
public sealed record TimerReceipt(
    string Id,
    DateTimeOffset DueAt,
    long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Location = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? State = null);
