namespace RaftTimers.Model;

/// <summary>How the <c>data</c> field of a timer was given, which decides how it is delivered.</summary>
/// <remarks>The numeric values are part of the log and snapshot formats; never renumber them.</remarks>
public enum TimerDataKind : byte
{
    /// <summary>No data: the callback has an empty body.</summary>
    None = 0,

    /// <summary>A JSON string: delivered as <c>text/plain; charset=utf-8</c> with the string's text.</summary>
    Text = 1,

    /// <summary>A JSON object: delivered as <c>application/json</c> with the object's JSON text.</summary>
    Json = 2,
}

/// <summary>
/// The payload of a timer: its kind and its UTF-8 bytes (the string's text, or the object's JSON).
/// </summary>
public readonly record struct TimerData(TimerDataKind Kind, ReadOnlyMemory<byte> Utf8)
{
    public static TimerData None => new(TimerDataKind.None, ReadOnlyMemory<byte>.Empty);

    public bool ContentEquals(in TimerData other)
        => Kind == other.Kind && Utf8.Span.SequenceEqual(other.Utf8.Span);
}
