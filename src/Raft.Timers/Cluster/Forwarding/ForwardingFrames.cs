using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using RaftTimers.Core.Log;
using BinaryReader = RaftTimers.Core.Log.BinaryReader;
using BinaryWriter = RaftTimers.Core.Log.BinaryWriter;

namespace RaftTimers.Cluster.Forwarding;

/// <summary>
/// The wire format of the forwarding channel: a follower sends the timer writes its clients gave it to the leader over
/// one long-lived connection, many per frame, and the leader answers each by its request id, many per frame.
/// <code>
/// frame   = length:u32le kind:u8 body      (length counts kind and body)
/// writes  = { id:varint command }*         kind 1, follower to leader; command as in the log (LogEntryCodec)
/// answers = { id:varint refused:varint outcome:u8 version:varint dueAt:varint reason:nullable-string }*
///                                          kind 2, leader to follower; refused is 0 or the HTTP status of a refusal
/// </code>
/// The protocol's version is the upgrade token <see cref="Protocol"/>; commands carry their own kind and version, so a
/// leader refuses (with a <see cref="CodecException"/>, closing the connection) what it cannot read.
/// </summary>
public static class ForwardingFrames
{
    /// <summary>The HTTP/1.1 <c>Upgrade</c> token that opens a forwarding connection; its suffix is the protocol version.</summary>
    public const string Protocol = "rafttimers-forward/1";

    public const byte WritesKind = 1;
    public const byte AnswersKind = 2;

    /// <summary>No frame is larger: a bound on what a peer can make the other side buffer.</summary>
    public const int MaxFrameBytes = 64 * 1024 * 1024;

    private const int HeaderBytes = sizeof(uint) + 1;

    private static readonly int MaxOutcome = Enum.GetValues<CommandOutcome>().Max(o => (int)o);

    /// <summary>
    /// Appends one write (its request id and command) to a writes frame's body. The command is encoded into
    /// <paramref name="encoded"/> (cleared first) before anything is appended, so one that cannot be encoded throws and
    /// leaves the body as it was.
    /// </summary>
    public static void AppendWrite(ArrayBufferWriter<byte> body, ArrayBufferWriter<byte> scratch, ArrayBufferWriter<byte> encoded, long id,
        TimerCommand command)
    {
        encoded.ResetWrittenCount();
        LogEntryCodec.WriteCommand(encoded, scratch, command);
        new BinaryWriter(body).WriteVarInt(id);
        body.Write(encoded.WrittenSpan);
    }

    /// <summary>Appends one answer to an answers frame's body.</summary>
    public static void AppendAnswer(ArrayBufferWriter<byte> body, long id, in ForwardedAnswer answer)
    {
        var w = new BinaryWriter(body);
        w.WriteVarInt(id);
        w.WriteVarInt(answer.RefusedStatus);
        w.WriteByte((byte)answer.Result.Outcome);
        w.WriteVarInt(answer.Result.Version);
        w.WriteVarInt(answer.Result.DueAtUnixMs);
        w.WriteNullableString(answer.Result.Reason);
    }

    /// <summary>Writes a whole frame: header, then <paramref name="body"/>.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, byte kind, ReadOnlySpan<byte> body)
    {
        if (body.Length + 1 > MaxFrameBytes)
            throw new ArgumentOutOfRangeException(nameof(body), body.Length, $"a frame holds at most {MaxFrameBytes} bytes");
        var span = output.GetSpan(HeaderBytes + body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(body.Length + 1));
        span[sizeof(uint)] = kind;
        body.CopyTo(span[HeaderBytes..]);
        output.Advance(HeaderBytes + body.Length);
    }

    /// <summary>
    /// Takes the next whole frame off the front of <paramref name="buffer"/>; false when it holds only part of one.
    /// Throws <see cref="CodecException"/> for a length no frame can have.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out byte kind, out ReadOnlySequence<byte> body)
    {
        kind = 0;
        body = default;
        if (buffer.Length < HeaderBytes)
            return false;
        Span<byte> header = stackalloc byte[HeaderBytes];
        buffer.Slice(0, HeaderBytes).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length is 0 or > MaxFrameBytes)
            throw new CodecException($"forwarding frame length {length} is outside 1..{MaxFrameBytes}");
        if (buffer.Length < sizeof(uint) + length)
            return false;
        kind = header[sizeof(uint)];
        body = buffer.Slice(HeaderBytes, length - 1);
        buffer = buffer.Slice(sizeof(uint) + length);
        return true;
    }

    /// <summary>Decodes a writes frame's body, all of it or a <see cref="CodecException"/>.</summary>
    public static void ReadWrites(ReadOnlySpan<byte> body, List<(long Id, TimerCommand Command)> into)
    {
        var r = new BinaryReader(body);
        while (!r.IsEmpty)
        {
            var id = r.ReadVarInt(0, long.MaxValue, "request id");
            into.Add((id, LogEntryCodec.ReadCommand(ref r)));
        }
    }

    /// <summary>Decodes an answers frame's body, all of it or a <see cref="CodecException"/>.</summary>
    public static void ReadAnswers(ReadOnlySpan<byte> body, List<(long Id, ForwardedAnswer Answer)> into)
    {
        var r = new BinaryReader(body);
        while (!r.IsEmpty)
        {
            var id = r.ReadVarInt(0, long.MaxValue, "request id");
            var refused = (int)r.ReadVarInt(0, 599, "refusal status");
            if (refused is > 0 and < 400)
                throw new CodecException($"refusal status {refused} is not an error status");
            var outcome = r.ReadByte();
            if (outcome is 0 || outcome > MaxOutcome)
                throw new CodecException($"unknown command outcome {outcome}");
            var version = r.ReadVarInt(0, long.MaxValue, "version");
            var dueAt = r.ReadVarInt(0, long.MaxValue, "due time");
            var reason = r.ReadNullableString(64 * 1024, "reason");
            into.Add((id, new ForwardedAnswer(new CommandResult((CommandOutcome)outcome, version, dueAt, reason), refused)));
        }
    }

    /// <summary>
    /// Reads frames of <paramref name="kind"/> until the peer closes the connection, hands each one's items, decoded by
    /// <paramref name="decode"/>, to <paramref name="handle"/>, and only then reads on. A frame of another kind, or one
    /// that does not decode, ends it with a <see cref="CodecException"/> naming <paramref name="peer"/>.
    /// </summary>
    public static async Task ReadFramesAsync<T>(PipeReader input, byte kind, string peer, FrameDecoder<T> decode, Action<List<T>> handle,
        CancellationToken token)
    {
        var items = new List<T>(64);
        byte[]? scratch = null;
        while (true)
        {
            var read = await input.ReadAsync(token).ConfigureAwait(false);
            var buffer = read.Buffer;
            while (TryReadFrame(ref buffer, out var frameKind, out var frame))
            {
                if (frameKind != kind)
                    throw new CodecException($"unexpected forwarding frame kind {frameKind} from {peer}");
                items.Clear();
                decode(Contiguous(frame, ref scratch), items);
                handle(items);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted || read.IsCanceled)
                return;
        }
    }

    /// <summary>A frame's body as one span: itself when it lies in one segment, else copied into <paramref name="scratch"/>.</summary>
    public static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> body, ref byte[]? scratch)
    {
        if (body.IsSingleSegment)
            return body.FirstSpan;
        var length = (int)body.Length;
        if (scratch is null || scratch.Length < length)
            scratch = new byte[Math.Max(length, 4096)];
        body.CopyTo(scratch);
        return scratch.AsSpan(0, length);
    }
}

/// <summary>Decodes a frame's body into its items (<see cref="ForwardingFrames.ReadWrites"/>, <see cref="ForwardingFrames.ReadAnswers"/>).</summary>
public delegate void FrameDecoder<T>(ReadOnlySpan<byte> body, List<T> into);
