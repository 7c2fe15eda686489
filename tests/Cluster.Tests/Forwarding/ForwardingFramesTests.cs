using System.Buffers;
using RaftTimers.Cluster.Forwarding;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests.Forwarding;

public sealed class ForwardingFramesTests
{
    [Fact]
    public void Writes_survive_a_frame_in_order_with_their_ids()
    {
        TimerCommand[] commands =
        [
            new CreateTimer("a", Specs.Http(1000, data: Specs.Json("""{"seq":1}"""))),
            new UpdateTimer("b", Specs.Http(5, "http://example.test/cb/7", Specs.Text("héllo"))),
            new CancelTimer("c"),
        ];
        var body = new ArrayBufferWriter<byte>();
        var scratch = new ArrayBufferWriter<byte>();
        var encoded = new ArrayBufferWriter<byte>();
        for (var i = 0; i < commands.Length; i++)
            ForwardingFrames.AppendWrite(body, scratch, encoded, 100 + i, commands[i]);

        var frame = Frame(ForwardingFrames.WritesKind, body.WrittenSpan);
        Assert.True(ForwardingFrames.TryReadFrame(ref frame, out var kind, out var read));
        Assert.Equal(ForwardingFrames.WritesKind, kind);
        Assert.True(frame.IsEmpty);

        var decoded = new List<(long Id, TimerCommand Command)>();
        ForwardingFrames.ReadWrites(read.ToArray(), decoded);
        Assert.Equal([100L, 101L, 102L], decoded.Select(d => d.Id));
        var create = Assert.IsType<CreateTimer>(decoded[0].Command);
        Assert.True(create.Spec.SameAs(((CreateTimer)commands[0]).Spec));
        var update = Assert.IsType<UpdateTimer>(decoded[1].Command);
        Assert.True(update.Spec.SameAs(((UpdateTimer)commands[1]).Spec));
        Assert.Equal(commands[2], decoded[2].Command);
    }

    [Fact]
    public void Answers_survive_a_frame_results_and_refusals_alike()
    {
        var answers = new[]
        {
            (7L, ForwardedAnswer.Ran(new CommandResult(CommandOutcome.Applied, 3, 1_780_000_000_000))),
            (8L, ForwardedAnswer.Ran(new CommandResult(CommandOutcome.NotLeader, Reason: "not the leader"))),
            (9L, ForwardedAnswer.Refuse(429, "over the limit")),
        };
        var body = new ArrayBufferWriter<byte>();
        foreach (var (id, answer) in answers)
            ForwardingFrames.AppendAnswer(body, id, answer);

        var decoded = new List<(long Id, ForwardedAnswer Answer)>();
        ForwardingFrames.ReadAnswers(body.WrittenSpan, decoded);
        Assert.Equal(answers, decoded.ToArray());
        Assert.True(decoded[2].Answer.Refused);
        Assert.False(decoded[0].Answer.Refused);
    }

    [Fact]
    public void A_partial_frame_is_left_for_later_and_two_frames_come_apart()
    {
        var one = Frame(ForwardingFrames.AnswersKind, [1, 2, 3]).ToArray();
        var two = Frame(ForwardingFrames.WritesKind, [4]).ToArray();
        var both = new ReadOnlySequence<byte>([.. one, .. two]);

        var partial = both.Slice(0, one.Length + 2);
        Assert.True(ForwardingFrames.TryReadFrame(ref partial, out _, out var first));
        Assert.Equal([1, 2, 3], first.ToArray());
        Assert.False(ForwardingFrames.TryReadFrame(ref partial, out _, out _));
        Assert.Equal(2, partial.Length);

        Assert.True(ForwardingFrames.TryReadFrame(ref both, out _, out _));
        Assert.True(ForwardingFrames.TryReadFrame(ref both, out var kind, out var second));
        Assert.Equal(ForwardingFrames.WritesKind, kind);
        Assert.Equal([4], second.ToArray());
    }

    [Theory]
    [InlineData(0u)]
    [InlineData((uint)ForwardingFrames.MaxFrameBytes + 1)]
    public void A_frame_length_no_frame_can_have_is_refused(uint length)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, length);
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.Throws<CodecException>(() => ForwardingFrames.TryReadFrame(ref sequence, out _, out _));
    }

    [Fact]
    public void Malformed_bodies_are_refused_whole()
    {
        var body = new ArrayBufferWriter<byte>();
        ForwardingFrames.AppendWrite(body, new ArrayBufferWriter<byte>(), new ArrayBufferWriter<byte>(), 1, new CancelTimer("x"));
        var truncated = body.WrittenSpan[..^1].ToArray();
        Assert.Throws<CodecException>(() => ForwardingFrames.ReadWrites(truncated, []));

        // An answer whose outcome no build knows, and a "refusal" with a success status.
        var answer = new ArrayBufferWriter<byte>();
        ForwardingFrames.AppendAnswer(answer, 1, ForwardedAnswer.Ran(new CommandResult(CommandOutcome.Applied)));
        var unknownOutcome = answer.WrittenSpan.ToArray();
        unknownOutcome[2] = 200;
        Assert.Throws<CodecException>(() => ForwardingFrames.ReadAnswers(unknownOutcome, []));
        var successRefusal = answer.WrittenSpan.ToArray();
        successRefusal[1] = 100;
        Assert.Throws<CodecException>(() => ForwardingFrames.ReadAnswers(successRefusal, []));
    }

    private static ReadOnlySequence<byte> Frame(byte kind, ReadOnlySpan<byte> body)
    {
        var output = new ArrayBufferWriter<byte>();
        ForwardingFrames.WriteFrame(output, kind, body);
        return new ReadOnlySequence<byte>(output.WrittenMemory);
    }
}
