using RaftTimers.Core.Apply;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Carries a fired timer to its receiver. <c>http</c> is built in; the transport named in a timer's
/// callback must be registered, or the create is refused with 400.
/// </summary>
public interface ICallbackTransport
{
    string Name { get; }

    /// <summary>Makes attempt <paramref name="attempt"/>; never throws for a receiver's failure, it reports it.</summary>
    Task<AttemptResult> SendAsync(TimerRecord timer, int attempt, CancellationToken token);
}

/// <summary>
/// The outcome of one attempt: success, or the reason it failed. A <see cref="Permanent"/> failure is one no
/// retry can fix (the callback policy refuses the target), so the timer ends failed at once instead of
/// spending its remaining attempts.
/// </summary>
public readonly record struct AttemptResult(bool Succeeded, string? Error, bool Permanent = false)
{
    public static AttemptResult Success => new(true, null);

    public static AttemptResult Failure(string error) => new(false, error);

    public static AttemptResult Refused(string error) => new(false, error, Permanent: true);
}
