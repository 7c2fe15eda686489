namespace RaftTimers.Client;

/// <summary>
/// Every failure the client reports. A node that answered with an error is a <see cref="TimerApiException"/>; a
/// request that got no answer is a <see cref="NoNodeAnsweredException"/> (nothing happened) or a
/// <see cref="TimerOutcomeUnknownException"/> (a write was sent and may or may not have happened).
/// </summary>
public class RaftTimersException : Exception
{
    public RaftTimersException(string message)
        : base(message)
    {
    }

    public RaftTimersException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// No node answered, and no write was sent to any: every node refused the connection, did not resolve or did not
/// accept one in time, or (for a read) accepted it and then did not answer. Nothing was changed.
/// </summary>
public sealed class NoNodeAnsweredException(string message) : RaftTimersException(message);

/// <summary>
/// A write was sent and no answer came back: it may or may not have happened. A create is safe to repeat with
/// <see cref="TimerId"/> (the same id and body is an idempotent retry), and so is a cancel.
/// </summary>
public sealed class TimerOutcomeUnknownException(string message, string? timerId, Exception? inner = null)
    : RaftTimersException(message, inner)
{
    /// <summary>The timer the write was for, when the client knows it.</summary>
    public string? TimerId { get; } = timerId;
}

/// <summary>A node answered with a body the client cannot read, e.g. not JSON or not the documented shape.</summary>
public sealed class UnexpectedAnswerException(Uri node, int status, string message) : RaftTimersException(message)
{
    public Uri Node { get; } = node;

    public int Status { get; } = status;
}
