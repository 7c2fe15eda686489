namespace RaftTimers.Core.Model;

/// <summary>
/// The lifecycle of one timer. A timer moves only forward:
/// <c>Pending → Firing → Delivered | Failed</c>, or <c>Pending → Cancelled</c>; a pending timer may be
/// <see cref="Paused"/> and resumed (or cancelled), and a repeating one is pending again after each firing.
/// An update keeps a timer <see cref="Pending"/> (or <see cref="Paused"/>) and bumps its version.
/// </summary>
/// <remarks>The numeric values are part of the snapshot format; never renumber them.</remarks>
public enum TimerStatus : byte
{
    Pending = 1,
    Firing = 2,
    Delivered = 3,
    Failed = 4,
    Cancelled = 5,

    /// <summary>Held: it does not fire, however due, until it is resumed. It still counts as pending for the limits.</summary>
    Paused = 6,
}

public static class TimerStatusNames
{
    /// <summary>The lower-case names used by the HTTP API (docs/api.md).</summary>
    public static string ToApiName(this TimerStatus status) => status switch
    {
        TimerStatus.Pending => "pending",
        TimerStatus.Firing => "firing",
        TimerStatus.Delivered => "delivered",
        TimerStatus.Failed => "failed",
        TimerStatus.Cancelled => "cancelled",
        TimerStatus.Paused => "paused",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown timer status"),
    };

    public static bool TryParseApiName(string? name, out TimerStatus status)
    {
        status = name switch
        {
            "pending" => TimerStatus.Pending,
            "firing" => TimerStatus.Firing,
            "delivered" => TimerStatus.Delivered,
            "failed" => TimerStatus.Failed,
            "cancelled" => TimerStatus.Cancelled,
            "paused" => TimerStatus.Paused,
            _ => 0,
        };
        return status != 0;
    }

    /// <summary>Pending or paused: waiting for its due time, counted against the pending limits.</summary>
    public static bool IsWaiting(this TimerStatus status) => status is TimerStatus.Pending or TimerStatus.Paused;

    public static bool IsFinished(this TimerStatus status)
        => status is TimerStatus.Delivered or TimerStatus.Failed or TimerStatus.Cancelled;
}
