namespace RaftTimers.Core.Lead;

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
