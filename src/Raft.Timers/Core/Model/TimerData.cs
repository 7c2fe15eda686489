using System.Runtime.InteropServices;

namespace RaftTimers.Core.Model;

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
/// <remarks>
/// Held as a whole array, not a slice: every pending timer carries one, and a slice's offset and length would add 8 bytes
/// to each on every node. A slice given to the constructor is copied.
/// </remarks>
public readonly record struct TimerData
{
    private readonly byte[]? utf8;

    public TimerData(TimerDataKind kind, ReadOnlyMemory<byte> utf8)
    {
        Kind = kind;
        this.utf8 = utf8.IsEmpty ? null
            : MemoryMarshal.TryGetArray(utf8, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array
            : utf8.ToArray();
    }

    public static TimerData None => new(TimerDataKind.None, ReadOnlyMemory<byte>.Empty);

    public TimerDataKind Kind { get; }

    public ReadOnlyMemory<byte> Utf8 => utf8;

    public bool ContentEquals(in TimerData other)
        => Kind == other.Kind && Utf8.Span.SequenceEqual(other.Utf8.Span);

    /// <summary>Writes the data as the JSON value it was given as: a string, the object, or null for none.</summary>
    public void WriteJsonValue(System.Text.Json.Utf8JsonWriter json)
    {
        switch (Kind)
        {
            case TimerDataKind.Text:
                json.WriteStringValue(Utf8.Span);
                break;
            case TimerDataKind.Json:
                json.WriteRawValue(Utf8.Span, skipInputValidation: true);
                break;
            default:
                json.WriteNullValue();
                break;
        }
    }
}
