namespace RaftTimers.Codec;

/// <summary>
/// Bytes that are not a valid encoding: truncated, trailing garbage, an unknown command kind or
/// version, an out-of-range field. Decoding is all-or-nothing, so this is thrown before any
/// command of the entry reaches the state machine.
/// </summary>
public sealed class CodecException(string message) : FormatException(message);
