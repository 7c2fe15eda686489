using System.Buffers;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;
using BinaryReader = RaftTimers.Core.Log.BinaryReader;
using BinaryWriter = RaftTimers.Core.Log.BinaryWriter;

namespace RaftTimers.Core.Apply;

/// <summary>
/// The snapshot format: the whole state machine, versioned like the log.
/// <code>
/// snapshot = "RTSN" format:u8 lastApplied:i64le lastStamp:i64le count:varint record*count
/// record   = id:str version:varint status:u8 createdAt:i64le dueAt:i64le spec attempts:varint lastError:str? finishedAt:i64le
///            firedAtIndex:varint fireCount:varint occurrence:varint (format 4 on)
/// </code>
/// Format n writes each spec in the log's spec format n (<see cref="LogEntryCodec.SpecFormatOf"/>: 1 as create version 1
/// does, 2 as <c>spec2</c>, 3 as <c>spec3</c>, 4 as <c>spec4</c>, whose records also hold a repeating timer's occurrence).
/// Format 5 is format 4 whose records may also be paused (<see cref="TimerStatus.Paused"/>), each with
/// <c>redrives:varint</c> after the occurrence. Format 6 writes each spec as <c>spec5</c> (a dead-letter target) and adds
/// <c>deadLetter:u8 deadLetterAttempts:varint deadLetterError:str?</c> after the redrives. Format 7 adds <c>hasTrace:u8</c>
/// and the trace context that wrote the version (<see cref="FormatTraces"/>). A snapshot takes the oldest format that holds all its timers, so a state
/// without newer fields gives a snapshot any older member reads (a leader sends its snapshot to members that lag).
/// Records are written in id order so equal states give equal bytes on every node.
/// </summary>
public static class SnapshotCodec
{
    /// <summary>The newest format this build writes and reads.</summary>
    public const byte FormatVersion = FormatTraces;

    /// <summary>
    /// Format 6's layout, then <c>hasTrace:u8</c> (0 or 1) and, when 1, the trace context of the request that wrote
    /// the version, as create version 6 holds it (<see cref="LogLevels.TraceContexts"/>).
    /// </summary>
    private const byte FormatTraces = 7;

    /// <summary>Format 5's layout with <c>spec5</c> and where each dead-letter notice stands (<see cref="LogLevels.DeadLetters"/>).</summary>
    private const byte FormatDeadLetters = 6;

    /// <summary>Format 4's layout, with paused timers, which builds before <see cref="LogLevels.PauseResume"/> do not know.</summary>
    private const byte FormatPaused = 5;

    private const byte FormatSpec1 = LogEntryCodec.SpecFormat1;
    private static ReadOnlySpan<byte> Magic => "RTSN"u8;

    public static void Write(IBufferWriter<byte> output, TimerStateMachine state) => Write(output, state.Capture());

    public static void Write(IBufferWriter<byte> output, SnapshotImage image)
    {
        var w = new BinaryWriter(output);
        var format = WriteHeader(output, w, image);
        foreach (var r in image.Records)
            WriteRecord(w, r, format);
    }

    public static byte[] Write(TimerStateMachine state)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + (state.Count * 128));
        Write(buffer, state);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The same bytes as <see cref="Write(IBufferWriter{byte}, TimerStateMachine)"/> for <paramref name="image"/>, handed
    /// out in pieces of about <paramref name="chunkBytes"/> from one reused buffer: a large state is streamed to disk
    /// without a buffer the size of the snapshot. Each piece is valid until the next is asked for.
    /// </summary>
    public static IEnumerable<ReadOnlyMemory<byte>> WriteInChunks(SnapshotImage image, int chunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        var buffer = new ArrayBufferWriter<byte>(chunkBytes + 4096);
        var w = new BinaryWriter(buffer);
        var format = WriteHeader(buffer, w, image);
        foreach (var r in image.Records)
        {
            WriteRecord(w, r, format);
            if (buffer.WrittenCount >= chunkBytes)
            {
                yield return buffer.WrittenMemory;
                buffer.ResetWrittenCount();
            }
        }

        if (buffer.WrittenCount > 0)
            yield return buffer.WrittenMemory;
    }

    /// <summary>Writes the header; returns the format, which is also the spec format of every record.</summary>
    private static byte WriteHeader(IBufferWriter<byte> output, BinaryWriter w, SnapshotImage image)
    {
        var format = FormatSpec1;
        foreach (var r in image.Records)
            format = Math.Max(format, r.Trace is not null ? FormatTraces
                : r.Spec.DeadLetter is not null || r.DeadLetter != DeadLetterState.None ? FormatDeadLetters
                : r.Status == TimerStatus.Paused || r.Redrives > 0 ? FormatPaused
                : LogEntryCodec.SpecFormatOf(r.Spec));
        Magic.CopyTo(output.GetSpan(Magic.Length));
        output.Advance(Magic.Length);
        w.WriteByte(format);
        w.WriteInt64(image.LastAppliedIndex);
        w.WriteInt64(image.LastStampUnixMs);
        w.WriteVarInt(image.Records.Length);
        return format;
    }

    private static void WriteRecord(BinaryWriter w, TimerRecord r, byte format)
    {
        w.WriteString(r.Id);
        w.WriteVarInt(r.Version);
        w.WriteByte((byte)r.Status);
        w.WriteInt64(r.CreatedAtUnixMs);
        w.WriteInt64(r.DueAtUnixMs);
        LogEntryCodec.WriteSpecTo(w, r.Spec, SpecFormatIn(format));
        w.WriteVarInt(r.Attempts);
        w.WriteNullableString(r.LastError);
        w.WriteInt64(r.FinishedAtUnixMs);
        w.WriteVarInt(r.FiredAtIndex);
        w.WriteVarInt(r.FireCount);
        if (format >= LogEntryCodec.SpecFormat4)
            w.WriteVarInt(r.Occurrence);
        if (format >= FormatPaused)
            w.WriteVarInt(r.Redrives);
        if (format >= FormatDeadLetters)
        {
            w.WriteByte((byte)r.DeadLetter);
            w.WriteVarInt(r.DeadLetterAttempts);
            w.WriteNullableString(r.DeadLetterError);
        }

        if (format >= FormatTraces)
        {
            w.WriteByte(r.Trace is null ? (byte)0 : (byte)1);
            if (r.Trace is { } trace)
                LogEntryCodec.WriteTrace(w, trace);
        }
    }

    /// <summary>Reads a snapshot into <paramref name="state"/>, replacing its content; throws <see cref="CodecException"/> on bad bytes and then leaves <paramref name="state"/> untouched.</summary>
    public static void Read(ReadOnlySpan<byte> bytes, TimerStateMachine state)
    {
        var r = new BinaryReader(bytes);
        var header = ReadHeader(ref r);
        var records = new RecordList(header.Count);
        while (records.Count < header.Count)
            records.Add(ReadRecord(ref r, header.Format));

        if (!r.IsEmpty)
            throw new CodecException($"{r.Remaining} trailing bytes after the last timer");
        state.Load(header.LastAppliedIndex, header.LastStampUnixMs, records.Items);
    }

    /// <summary>
    /// Reads a snapshot from <paramref name="input"/> as it streams by, a buffer at a time: its size is bounded by the
    /// state it holds, not by the largest array (a snapshot over 2 GiB reads back like any other). Same outcome as
    /// <see cref="Read(ReadOnlySpan{byte}, TimerStateMachine)"/>: all or nothing.
    /// </summary>
    public static void Read(Stream input, TimerStateMachine state, CancellationToken token = default)
        => Read(input, state, ReadBufferBytes, token);

    /// <param name="bufferBytes">The buffer's starting size; it grows when one record does not fit.</param>
    internal static void Read(Stream input, TimerStateMachine state, int bufferBytes, CancellationToken token)
    {
        var window = new StreamWindow(input, bufferBytes, token);
        var header = window.Next(static (ref BinaryReader r) => ReadHeader(ref r));
        Parse<TimerRecord> readRecord = header.Format switch
        {
            FormatTraces => static (ref BinaryReader r) => ReadRecord(ref r, FormatTraces),
            FormatDeadLetters => static (ref BinaryReader r) => ReadRecord(ref r, FormatDeadLetters),
            FormatPaused => static (ref BinaryReader r) => ReadRecord(ref r, FormatPaused),
            LogEntryCodec.SpecFormat4 => static (ref BinaryReader r) => ReadRecord(ref r, LogEntryCodec.SpecFormat4),
            LogEntryCodec.SpecFormat3 => static (ref BinaryReader r) => ReadRecord(ref r, LogEntryCodec.SpecFormat3),
            LogEntryCodec.SpecFormat2 => static (ref BinaryReader r) => ReadRecord(ref r, LogEntryCodec.SpecFormat2),
            _ => static (ref BinaryReader r) => ReadRecord(ref r, LogEntryCodec.SpecFormat1),
        };
        var records = new RecordList(header.Count);
        while (records.Count < header.Count)
            records.Add(window.Next(readRecord));

        if (window.HasMore())
            throw new CodecException("trailing bytes after the last timer");
        state.Load(header.LastAppliedIndex, header.LastStampUnixMs, records.Items);
    }

    /// <summary>
    /// The header alone, from the first bytes of a snapshot (<see cref="HeaderMaxBytes"/> are always enough): what a
    /// received snapshot claims to be, checked before it is accepted.
    /// </summary>
    public static SnapshotHeader ReadHeader(ReadOnlySpan<byte> bytes)
    {
        var r = new BinaryReader(bytes);
        return ReadHeader(ref r);
    }

    /// <summary>Magic, format, two 64-bit values and a varint count of at most 10 bytes.</summary>
    public const int HeaderMaxBytes = 4 + 1 + 8 + 8 + 10;

    private const int ReadBufferBytes = 1 << 20;

    private static SnapshotHeader ReadHeader(ref BinaryReader r)
    {
        if (!r.Take(Magic.Length, "magic").SequenceEqual(Magic))
            throw new CodecException("not a RaftTimers snapshot (bad magic)");
        var format = r.ReadByte();
        if (format is < FormatSpec1 or > FormatVersion)
            throw new CodecException($"unknown snapshot format {format} (this build reads formats {FormatSpec1} to {FormatVersion})");

        var lastApplied = r.ReadInt64();
        var lastStamp = r.ReadInt64();
        var count = r.ReadVarInt(0, int.MaxValue, "timer count");
        return new SnapshotHeader(lastApplied, lastStamp, (int)count, format);
    }

    private static TimerRecord ReadRecord(ref BinaryReader r, byte format)
    {
        var id = LogEntryCodec.ReadId(ref r);
        var version = r.ReadVarInt(1, long.MaxValue, "version");
        var status = r.ReadByte();
        if (!Enum.IsDefined((TimerStatus)status) || ((TimerStatus)status == TimerStatus.Paused && format < FormatPaused))
            throw new CodecException($"unknown timer status {status} in snapshot format {format}");
        var createdAt = r.ReadInt64();
        var dueAt = r.ReadInt64();
        var spec = LogEntryCodec.ReadSpec(ref r, SpecFormatIn(format));
        var attempts = (int)r.ReadVarInt(0, int.MaxValue, "attempts");
        var lastError = r.ReadNullableString(TimerLimits.MaxErrorLength * 4, "last error");
        var finishedAt = r.ReadInt64();
        var firedAtIndex = r.ReadVarInt(0, long.MaxValue, "fired-at index");
        var fireCount = (int)r.ReadVarInt(0, int.MaxValue, "fire count");
        var occurrence = format >= LogEntryCodec.SpecFormat4 ? (int)r.ReadVarInt(0, int.MaxValue, "occurrence") : 0;
        var redrives = format >= FormatPaused ? (int)r.ReadVarInt(0, int.MaxValue, "redrives") : 0;
        var deadLetter = DeadLetterState.None;
        var deadLetterAttempts = 0;
        string? deadLetterError = null;
        if (format >= FormatDeadLetters)
        {
            deadLetter = (DeadLetterState)r.ReadByte();
            if (!Enum.IsDefined(deadLetter) || (deadLetter != DeadLetterState.None && (spec.DeadLetter is null || (TimerStatus)status != TimerStatus.Failed)))
                throw new CodecException($"dead-letter state {(byte)deadLetter} of timer '{id}' does not fit its status and spec");
            deadLetterAttempts = (int)r.ReadVarInt(0, int.MaxValue, "dead-letter attempts");
            deadLetterError = r.ReadNullableString(TimerLimits.MaxErrorLength * 4, "dead-letter error");
            if (deadLetter == DeadLetterState.None && (deadLetterAttempts != 0 || deadLetterError is not null))
                throw new CodecException($"timer '{id}' owes no dead-letter notice but has notice attempts or an error");
        }

        TraceContext? trace = null;
        if (format >= FormatTraces)
        {
            trace = r.ReadByte() switch
            {
                0 => null,
                1 => LogEntryCodec.ReadTrace(ref r),
                var flag => throw new CodecException($"trace flag {flag} of timer '{id}' is neither 0 nor 1"),
            };
        }

        return new TimerRecord(id, version, (TimerStatus)status, createdAt, dueAt, spec, attempts, lastError, finishedAt)
        {
            FiredAtIndex = firedAtIndex,
            FireCount = fireCount,
            Occurrence = occurrence,
            Redrives = redrives,
            DeadLetter = deadLetter,
            DeadLetterAttempts = deadLetterAttempts,
            DeadLetterError = deadLetterError,
            Trace = trace,
        };
    }

    /// <summary>The spec format of a snapshot format's records: the same number up to 4, 4 in format 5, and 5 in formats 6 and 7.</summary>
    private static byte SpecFormatIn(byte format) => format switch
    {
        FormatDeadLetters or FormatTraces => LogEntryCodec.SpecFormat5,
        _ => Math.Min(format, LogEntryCodec.SpecFormat4),
    };

    /// <summary>
    /// The records read so far, checked to be in strictly increasing id order as they are written: a repeated id is
    /// caught before <see cref="TimerStateMachine.Load"/> clears the state, so a corrupt snapshot leaves it untouched.
    /// </summary>
    private sealed class RecordList(int count)
    {
        public List<TimerRecord> Items { get; } = new(Math.Min(count, 1 << 20));

        public int Count => Items.Count;

        public void Add(TimerRecord record)
        {
            if (Items.Count > 0 && string.CompareOrdinal(Items[^1].Id, record.Id) >= 0)
                throw new CodecException($"timer '{record.Id}' is out of order or repeated after '{Items[^1].Id}'");
            Items.Add(record);
        }
    }

    private delegate T Parse<out T>(ref BinaryReader reader);

    /// <summary>
    /// The unread part of a stream, in a buffer refilled as values are parsed from it. A value is parsed from the bytes
    /// at hand; when they end inside it, more are read (the buffer grows if the value is larger than it) and the parse
    /// starts again, so a value is never parsed from a partial read.
    /// </summary>
    private sealed class StreamWindow(Stream input, int bufferBytes, CancellationToken token)
    {
        private byte[] buffer = new byte[Math.Max(bufferBytes, 1)];
        private int start, end;
        private bool exhausted;

        public T Next<T>(Parse<T> parse)
        {
            while (true)
            {
                CodecException endOfData;
                var r = new BinaryReader(buffer.AsSpan(start, end - start));
                try
                {
                    var value = parse(ref r);
                    start = end - r.Remaining;
                    return value;
                }
                catch (CodecException e) when (e.EndOfData && !exhausted)
                {
                    endOfData = e;
                }

                // The value may continue in bytes not read yet: parse it again with them. (Not in the filter above: what
                // a filter throws, cancellation included, is swallowed.)
                if (!ReadMore())
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(endOfData);
            }
        }

        /// <summary>Whether any unread bytes remain, in the buffer or the stream.</summary>
        public bool HasMore() => start < end || ReadMore();

        /// <summary>Adds at least one byte of input to the buffer; false at the end of the stream.</summary>
        private bool ReadMore()
        {
            if (exhausted)
                return false;
            token.ThrowIfCancellationRequested();
            if (start > 0)
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                end -= start;
                start = 0;
            }
            else if (end == buffer.Length)
            {
                Array.Resize(ref buffer, checked(buffer.Length * 2));
            }

            var read = input.Read(buffer, end, buffer.Length - end);
            if (read == 0)
            {
                exhausted = true;
                return false;
            }

            end += read;
            return true;
        }
    }
}

/// <summary>What a snapshot says of itself before its timers: the index it holds the state at, how many timers, and its format.</summary>
public readonly record struct SnapshotHeader(long LastAppliedIndex, long LastStampUnixMs, int Count, byte Format);
