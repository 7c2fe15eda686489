namespace RaftTimers.Core.Log;

/// <summary>
/// Bytes that are not a valid encoding: truncated, trailing garbage, an unknown command kind or
/// version, an out-of-range field. Decoding is all-or-nothing, so this is thrown before any
/// command of the entry reaches the state machine.
/// </summary>
/// <param name="endOfData">
/// The bytes ended inside a value: for a whole entry that is a truncation like any other error, but a reader that
/// streams its input (a snapshot) learns from it that it must read more before trying again.
/// </param>
public sealed class CodecException(string message, bool endOfData = false) : FormatException(message)
{
    public bool EndOfData => endOfData;
}
