using System.Buffers.Binary;
using System.Globalization;

namespace RaftTimers.Core.Model;

/// <summary>
/// The W3C trace context of the request that wrote a timer's version (README, "Tracing"): kept with the version in the
/// log, so that every attempt to deliver it, on whichever node leads when it is due, joins the request's trace. It
/// describes the write and decides nothing: applying ignores it, and two writes that differ only in it are the same write.
/// A class, not a struct, so a timer without one costs a reference, not the context's 25 bytes.
/// </summary>
public sealed record TraceContext
{
    public TraceContext(UInt128 traceId, ulong spanId, byte flags)
    {
        if (traceId == UInt128.Zero || spanId == 0)
            throw new ArgumentException("a trace context has a non-zero trace id and span id");
        TraceId = traceId;
        SpanId = spanId;
        Flags = flags;
    }

    /// <summary>The trace's 16-byte id.</summary>
    public UInt128 TraceId { get; }

    /// <summary>The id of the span that wrote the timer: the parent of each delivery attempt's span.</summary>
    public ulong SpanId { get; }

    /// <summary>The W3C trace flags (bit 0: sampled).</summary>
    public byte Flags { get; }

    /// <summary>Its bytes in the log: trace id (16, big-endian as written in hex), span id (8), flags (1).</summary>
    public const int EncodedBytes = 25;

    /// <summary>Writes the <see cref="EncodedBytes"/> bytes into <paramref name="into"/>, as the log and a span's ids hold them.</summary>
    public void WriteTo(Span<byte> into)
    {
        BinaryPrimitives.WriteUInt128BigEndian(into, TraceId);
        BinaryPrimitives.WriteUInt64BigEndian(into[16..], SpanId);
        into[24] = Flags;
    }

    /// <summary>The context in <paramref name="bytes"/> (<see cref="WriteTo"/>); null when its trace or span id is zero.</summary>
    public static TraceContext? Read(ReadOnlySpan<byte> bytes)
    {
        var traceId = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        var spanId = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        return traceId == UInt128.Zero || spanId == 0 ? null : new TraceContext(traceId, spanId, bytes[24]);
    }

    /// <summary>The <c>traceparent</c> form: <c>00-{trace id}-{span id}-{flags}</c>, lower-case hex.</summary>
    public string ToTraceParent()
        => string.Create(CultureInfo.InvariantCulture, $"00-{TraceId:x32}-{SpanId:x16}-{Flags:x2}");

    public override string ToString() => ToTraceParent();
}
