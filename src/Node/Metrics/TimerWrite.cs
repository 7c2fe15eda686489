namespace RaftTimers.Node.Metrics;

/// <summary>The timer API's writes, as counted by <see cref="TimerMetrics"/> (label <c>op</c>).</summary>
public enum TimerWrite
{
    Create,
    Update,
    Cancel,
    Pause,
    Resume,
    Retry,
}

/// <summary>
/// How the node that decided a write answered it (label <c>outcome</c>). <see cref="Forwarded"/> is not counted: the
/// leader the request was forwarded to decides it and counts it, so every request is counted once in the cluster.
/// </summary>
public enum WriteOutcome
{
    /// <summary>Sent on to the leader (answered with the leader's answer, or a 503 when the leader did not answer).</summary>
    Forwarded,

    /// <summary>Committed and applied: 201 for a create, 200 for an update, 202 for a cancel.</summary>
    Applied,

    /// <summary>A create of an existing id with the same body: 201 again, nothing changed.</summary>
    Idempotent,

    /// <summary>409: a create of an existing id with a different body.</summary>
    Conflict,

    /// <summary>404: no pending timer with that id.</summary>
    NotFound,

    /// <summary>400 or 413: the request was malformed or too large, and never proposed.</summary>
    Invalid,

    /// <summary>507: the cluster holds its limit of pending timers.</summary>
    OverLimit,

    /// <summary>503: no leader in time, or the write's fate is unknown (it may or may not have been committed).</summary>
    Unavailable,
}
