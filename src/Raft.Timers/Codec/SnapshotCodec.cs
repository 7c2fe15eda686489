using System.Buffers;
using RaftTimers.Model;
using RaftTimers.StateMachine;

namespace RaftTimers.Codec;

/// <summary>
/// The snapshot format: the whole state machine, versioned like the log.
/// <code>
/// snapshot = "RTSN" format:u8 (=1) lastApplied:i64le lastStamp:i64le count:varint record*count
/// record   = id:str version:varint status:u8 createdAt:i64le dueAt:i64le spec attempts:varint lastError:str? finishedAt:i64le
///            firedAtIndex:varint fireCount:varint
/// </code>
/// Records are written in id order so equal states give equal bytes on every node.
/// </summary>
public static class SnapshotCodec
{
    public const byte FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "RTSN"u8;

    public static void Write(IBufferWriter<byte> output, TimerStateMachine state) => Write(output, state.Capture());

    public static void Write(IBufferWriter<byte> output, SnapshotImage image)
    {
        var w = new BinaryWriter(output);
        WriteHeader(output, w, image);
        foreach (var r in image.Records)
            WriteRecord(w, r);
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
        WriteHeader(buffer, w, image);
        foreach (var r in image.Records)
        {
            WriteRecord(w, r);
            if (buffer.WrittenCount >= chunkBytes)
            {
                yield return buffer.WrittenMemory;
                buffer.ResetWrittenCount();
            }
        }

        if (buffer.WrittenCount > 0)
            yield return buffer.WrittenMemory;
    }

    private static void WriteHeader(IBufferWriter<byte> output, BinaryWriter w, SnapshotImage image)
    {
        Magic.CopyTo(output.GetSpan(Magic.Length));
        output.Advance(Magic.Length);
        w.WriteByte(FormatVersion);
        w.WriteInt64(image.LastAppliedIndex);
        w.WriteInt64(image.LastStampUnixMs);
        w.WriteVarInt(image.Records.Length);
    }

    private static void WriteRecord(BinaryWriter w, TimerRecord r)
    {
        w.WriteString(r.Id);
        w.WriteVarInt(r.Version);
        w.WriteByte((byte)r.Status);
        w.WriteInt64(r.CreatedAtUnixMs);
        w.WriteInt64(r.DueAtUnixMs);
        LogEntryCodec.WriteSpecTo(w, r.Spec);
        w.WriteVarInt(r.Attempts);
        w.WriteNullableString(r.LastError);
        w.WriteInt64(r.FinishedAtUnixMs);
        w.WriteVarInt(r.FiredAtIndex);
        w.WriteVarInt(r.FireCount);
    }

    /// <summary>Reads a snapshot into <paramref name="state"/>, replacing its content; throws <see cref="CodecException"/> on bad bytes and then leaves <paramref name="state"/> untouched.</summary>
    public static void Read(ReadOnlySpan<byte> bytes, TimerStateMachine state)
    {
        var r = new BinaryReader(bytes);
        if (!r.Take(Magic.Length, "magic").SequenceEqual(Magic))
            throw new CodecException("not a RaftTimers snapshot (bad magic)");
        var format = r.ReadByte();
        if (format != FormatVersion)
            throw new CodecException($"unknown snapshot format {format} (this build reads format {FormatVersion})");

        var lastApplied = r.ReadInt64();
        var lastStamp = r.ReadInt64();
        var count = r.ReadVarInt(0, int.MaxValue, "timer count");
        var records = new List<TimerRecord>((int)Math.Min(count, 1 << 20));
        string? previousId = null;
        for (var i = 0L; i < count; i++)
        {
            var id = LogEntryCodec.ReadId(ref r);

            // Written in strictly increasing id order; checking it here catches a repeated id before
            // Load has cleared the state, so a corrupt snapshot leaves the state untouched.
            if (previousId is not null && string.CompareOrdinal(previousId, id) >= 0)
                throw new CodecException($"timer '{id}' is out of order or repeated after '{previousId}'");
            previousId = id;
            var version = r.ReadVarInt(1, long.MaxValue, "version");
            var status = r.ReadByte();
            if (!Enum.IsDefined((TimerStatus)status))
                throw new CodecException($"unknown timer status {status}");
            var createdAt = r.ReadInt64();
            var dueAt = r.ReadInt64();
            var spec = LogEntryCodec.ReadSpec(ref r);
            var attempts = (int)r.ReadVarInt(0, int.MaxValue, "attempts");
            var lastError = r.ReadNullableString(TimerLimits.MaxErrorLength * 4, "last error");
            var finishedAt = r.ReadInt64();
            var firedAtIndex = r.ReadVarInt(0, long.MaxValue, "fired-at index");
            var fireCount = (int)r.ReadVarInt(0, int.MaxValue, "fire count");
            records.Add(new TimerRecord(id, version, (TimerStatus)status, createdAt, dueAt, spec, attempts, lastError, finishedAt)
            {
                FiredAtIndex = firedAtIndex,
                FireCount = fireCount,
            });
        }

        if (!r.IsEmpty)
            throw new CodecException($"{r.Remaining} trailing bytes after the last timer");

        state.Load(lastApplied, lastStamp, records);
    }
}
