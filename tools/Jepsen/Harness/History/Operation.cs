using System.Text.Json.Serialization;

namespace RaftTimers.JepsenLike.History;

/// <summary>What a client asked of the timer API.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OpFunction>))]
public enum OpFunction
{
    Create,
    Update,
    Cancel,
    Get,
}

/// <summary>
/// How an operation ended, as in Jepsen: <see cref="Ok"/> it happened; <see cref="Fail"/> it definitely did
/// not change anything (a definite refusal such as 404 or 409 still carries what it observed);
/// <see cref="Info"/> unknown — a timeout, a reset connection, a 503 — it may or may not have taken effect.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<OpOutcome>))]
public enum OpOutcome
{
    Ok,
    Fail,
    Info,
}

/// <summary>
/// One client operation from invocation to completion. Times are Unix milliseconds (fractional) on the
/// machine's clock, the same clock the callback sink stamps arrivals with.
/// </summary>
/// <param name="Body">For create/update: a tag naming the request body, so an idempotent retry (same body) can be told from a conflict.</param>
/// <param name="Status">The HTTP status, or 0 when no answer came.</param>
/// <param name="Version">The timer version the answer reported (create/update/get).</param>
/// <param name="State">For get: the state the answer reported (pending, firing, delivered, failed, cancelled), or null for 404.</param>
public sealed record Operation(
    int Process,
    OpFunction F,
    string TimerId,
    double InvokedAtMs,
    double CompletedAtMs,
    OpOutcome Outcome,
    int Status = 0,
    long TimeoutMs = 0,
    string? Body = null,
    long? Version = null,
    string? State = null,
    string? Error = null)
{
    public override string ToString()
        => $"p{Process} {F} {TimerId} [{InvokedAtMs:0.0}..{CompletedAtMs:0.0}] {Outcome} {Status}"
           + (Version is { } v ? $" v{v}" : "") + (State is { } s ? $" {s}" : "") + (Body is { } b ? $" body={b}" : "");
}

/// <summary>One callback request as the sink saw it.</summary>
public sealed record DeliveryRecord(string TimerId, string IdempotencyKey, int Attempt, double ArrivedAtMs, int AnsweredStatus)
{
    public bool Succeeded => AnsweredStatus is >= 200 and < 300;

    /// <summary>The timer version in the key <c>{id}:{version}:{firedAtIndex}</c>; null when the key is malformed.</summary>
    public long? KeyVersion => ParseKey()?.Version;

    /// <summary>The log index of the fire decision the key names; null when the key is malformed.</summary>
    public long? KeyFiredAtIndex => ParseKey()?.FiredAtIndex;

    private (long Version, long FiredAtIndex)? ParseKey()
    {
        if (!IdempotencyKey.StartsWith(TimerId + ":", StringComparison.Ordinal))
            return null;
        var rest = IdempotencyKey.AsSpan(TimerId.Length + 1);
        var colon = rest.IndexOf(':');
        return colon > 0 && long.TryParse(rest[..colon], out var version) && long.TryParse(rest[(colon + 1)..], out var fired)
            ? (version, fired)
            : null;
    }
}

/// <summary>One timer in one node's final state (from <c>GET /timer</c> on that node after the faults healed).</summary>
public sealed record NodeTimer(string Node, string TimerId, string State, long Version, double DueAtMs, long FiredAtIndex, int FireCount);

/// <summary>A fault the nemesis injected, for the report and for splitting lateness into calm and faulty periods.</summary>
public sealed record FaultWindow(string Kind, string Target, double StartMs, double EndMs);

/// <summary>Everything a run produced, as the checker reads it.</summary>
/// <param name="HealedAtMs">When the last fault ended.</param>
/// <param name="ObservedUntilMs">When the final states were read: deliveries and states after it are unknown.</param>
public sealed record RunRecord(
    IReadOnlyList<Operation> Operations,
    IReadOnlyList<DeliveryRecord> Deliveries,
    IReadOnlyList<NodeTimer> FinalStates,
    IReadOnlyList<FaultWindow> Faults,
    double HealedAtMs,
    double ObservedUntilMs);
