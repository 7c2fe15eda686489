namespace RaftTimers.Core.Apply;

/// <summary>
/// A state-machine rule was broken (docs/design.md invariants). These checks stay on in Release builds:
/// continuing after one would spread a wrong state through snapshots, so the node stops instead.
/// </summary>
public sealed class InvariantViolationException(string message) : InvalidOperationException(message)
{
    public static void ThrowIf(bool broken, string message)
    {
        if (broken)
            throw new InvariantViolationException(message);
    }
}
