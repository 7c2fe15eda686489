using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>The sequential specification of one timer id, as docs/api.md describes it.</summary>
public enum TimerPhase
{
    Absent,
    Pending,
    Fired,
    Cancelled,
}

/// <param name="Body">The tag of the body the timer currently has (the create's, or the last update's): a create with the same body is an idempotent retry.</param>
public readonly record struct TimerModel(TimerPhase Phase, long Version, string? Body)
{
    public static TimerModel Absent => new(TimerPhase.Absent, 0, null);

    /// <summary>
    /// Applies <paramref name="op"/> to this state. Returns false when the op's observed answer cannot come
    /// from this state. An indeterminate op (<see cref="OpOutcome.Info"/>) matches any answer.
    /// </summary>
    public bool TryApply(Operation op, out TimerModel next)
    {
        var known = op.Outcome != OpOutcome.Info;
        next = this;
        switch (op.F)
        {
            case OpFunction.Create when Phase == TimerPhase.Absent:
                next = new TimerModel(TimerPhase.Pending, 1, op.Body);
                return !known || (op.Status == 201 && op.Version is null or 1);
            case OpFunction.Create when Body == op.Body:
                return !known || (op.Status == 201 && (op.Version is null || op.Version == Version));
            case OpFunction.Create:
                return !known || op.Status == 409;

            case OpFunction.Update when Phase == TimerPhase.Pending:
                next = new TimerModel(TimerPhase.Pending, Version + 1, op.Body);
                return !known || (op.Status == 200 && (op.Version is null || op.Version == Version + 1));
            case OpFunction.Update:
                return !known || op.Status == 404;

            case OpFunction.Cancel when Phase == TimerPhase.Pending:
                next = this with { Phase = TimerPhase.Cancelled };
                return !known || op.Status == 202;
            case OpFunction.Cancel when Phase == TimerPhase.Cancelled:
                return !known || op.Status == 202; // a repeated cancel is answered as the first was
            case OpFunction.Cancel:
                return !known || op.Status == 404;

            case OpFunction.Get:
                return !known || Matches(op);

            default:
                return false;
        }
    }

    private bool Matches(Operation get) => Phase switch
    {
        TimerPhase.Absent => get.Status == 404,
        TimerPhase.Pending => get.Status == 200 && get.State == "pending" && get.Version == Version,
        TimerPhase.Fired => get.Status == 200 && get.State is "firing" or "delivered" or "failed" && get.Version == Version,
        TimerPhase.Cancelled => get.Status == 200 && get.State == "cancelled" && get.Version == Version,
        _ => false,
    };

    /// <summary>Firing is the one change nobody asks for: a pending timer may fire between any two operations.</summary>
    public bool TryFire(out TimerModel next)
    {
        next = this with { Phase = TimerPhase.Fired };
        return Phase == TimerPhase.Pending;
    }

    public override string ToString() => Phase == TimerPhase.Absent ? "absent" : $"{Phase.ToString().ToLowerInvariant()} v{Version} body={Body}";
}
