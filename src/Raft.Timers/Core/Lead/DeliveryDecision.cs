using RaftTimers.Core.Log;

namespace RaftTimers.Core.Lead;

/// <summary>What a delivery does after each attempt and after each try to record it: the rules, without the sending.</summary>
public static class DeliveryDecision
{
    /// <summary>
    /// The outcome recorded for attempt <paramref name="attempt"/> (1-based): delivered on success; failed after the last
    /// attempt or a failure no retry can fix; otherwise another attempt follows after the backoff.
    /// </summary>
    public static DeliveryOutcome AfterAttempt(int attempt, AttemptResult result, int maxAttempts)
        => result.Succeeded ? DeliveryOutcome.Delivered
            : attempt >= maxAttempts || result.Permanent ? DeliveryOutcome.Failed
            : DeliveryOutcome.Retry;

    /// <summary>The attempt a delivery starts with: the one after those the log already holds, so a new leader continues the count.</summary>
    public static int FirstAttempt(int recordedAttempts) => recordedAttempts + 1;

    /// <summary>
    /// What to do with the result of proposing an attempt's record: done once applied (or applied before); propose it
    /// again after <paramref name="retryAfter"/> while the outcome is unknown (the command is idempotent); otherwise stop
    /// (not leader, or the timer moved on).
    /// </summary>
    public static RecordNext AfterRecord(CommandOutcome outcome, int tries, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        switch (outcome)
        {
            case CommandOutcome.Applied or CommandOutcome.AlreadyApplied:
                return RecordNext.Done;
            case CommandOutcome.Indeterminate or CommandOutcome.Rejected:
                retryAfter = TimeSpan.FromMilliseconds(100 << Math.Min(tries, 4));
                return RecordNext.Again;
            default:
                return RecordNext.Stop;
        }
    }
}

/// <summary>After proposing an attempt's record: <see cref="Done"/>, try <see cref="Again"/>, or <see cref="Stop"/>.</summary>
public enum RecordNext
{
    Done,
    Again,
    Stop,
}
