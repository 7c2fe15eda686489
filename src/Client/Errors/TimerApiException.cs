using System.Net;

namespace RaftTimers.Client;

/// <summary>
/// A node answered with an error (docs/api.md, Errors): its status, the reason from <c>x-skyring-reason</c> or the
/// problem body, and for a create the timer's id. The subclasses name the answers a caller handles differently.
/// </summary>
public class TimerApiException : RaftTimersException
{
    public TimerApiException(Uri node, HttpStatusCode status, string reason, string? timerId, TimeSpan? retryAfter)
        : base($"{(int)status} {StatusName(status)}: {reason}")
    {
        Node = node;
        Status = status;
        Reason = reason;
        TimerId = timerId;
        RetryAfter = retryAfter;
    }

    /// <summary>The node that answered.</summary>
    public Uri Node { get; }

    public HttpStatusCode Status { get; }

    public string Reason { get; }

    /// <summary>The timer an answer to a create names (its <c>x-timer-id</c>), else null.</summary>
    public string? TimerId { get; }

    /// <summary>The node's <c>Retry-After</c> (429 and 503), else null.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The exception for an error answer: the most specific class for its status.</summary>
    public static TimerApiException For(Uri node, HttpStatusCode status, string reason, string? timerId, TimeSpan? retryAfter) => (int)status switch
    {
        400 or 413 or 415 => new InvalidTimerRequestException(node, status, reason, timerId),
        401 or 403 => new TimerAccessDeniedException(node, status, reason, timerId),
        404 => new TimerNotFoundException(node, reason, timerId),
        409 => new TimerConflictException(node, reason, timerId),
        412 => new TimerVersionMismatchException(node, reason, timerId),
        507 => new TimerLimitReachedException(node, reason, timerId),
        429 or >= 500 => new ClusterUnavailableException(node, status, reason, timerId, retryAfter),
        _ => new TimerApiException(node, status, reason, timerId, retryAfter),
    };

    private static string StatusName(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.PreconditionFailed => "Precondition Failed",
        HttpStatusCode.RequestEntityTooLarge => "Content Too Large",
        HttpStatusCode.UnsupportedMediaType => "Unsupported Media Type",
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        HttpStatusCode.BadGateway => "Bad Gateway",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        HttpStatusCode.InsufficientStorage => "Insufficient Storage",
        _ => status.ToString(),
    };
}

/// <summary>400, 413 or 415: the request itself is wrong (a value out of range, a denied callback, a body too large); repeating it cannot help.</summary>
public sealed class InvalidTimerRequestException(Uri node, HttpStatusCode status, string reason, string? timerId)
    : TimerApiException(node, status, reason, timerId, null);

/// <summary>401 or 403: no token, or a wrong one.</summary>
public sealed class TimerAccessDeniedException(Uri node, HttpStatusCode status, string reason, string? timerId)
    : TimerApiException(node, status, reason, timerId, null);

/// <summary>404: no such timer (or, for a replace, no pending one; for a cancel, it fired already).</summary>
public sealed class TimerNotFoundException(Uri node, string reason, string? timerId)
    : TimerApiException(node, HttpStatusCode.NotFound, reason, timerId, null);

/// <summary>409: a create with an id that exists with another body.</summary>
public sealed class TimerConflictException(Uri node, string reason, string? timerId)
    : TimerApiException(node, HttpStatusCode.Conflict, reason, timerId, null);

/// <summary>412: a replace whose expected version is not the timer's (perhaps this replace's own first attempt went through).</summary>
public sealed class TimerVersionMismatchException(Uri node, string reason, string? timerId)
    : TimerApiException(node, HttpStatusCode.PreconditionFailed, reason, timerId, null);

/// <summary>507: the cluster's pending-timer limits are reached, or the leader's disk is low.</summary>
public sealed class TimerLimitReachedException(Uri node, string reason, string? timerId)
    : TimerApiException(node, HttpStatusCode.InsufficientStorage, reason, timerId, null);

/// <summary>
/// 429, 503 or another 5xx: the node could not finish now (too many writes at once, no leader reachable). A 503 to a
/// write leaves its outcome unknown: a create is safe to repeat with <see cref="TimerApiException.TimerId"/>.
/// </summary>
public sealed class ClusterUnavailableException(Uri node, HttpStatusCode status, string reason, string? timerId, TimeSpan? retryAfter)
    : TimerApiException(node, status, reason, timerId, retryAfter);
