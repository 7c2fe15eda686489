using System.Collections.Concurrent;
using System.IO.Pipelines;
using RaftTimers.Cluster.Forwarding;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests.Forwarding;

/// <summary>
/// Two connected in-memory streams, a follower's and a leader's end of one forwarding connection, with a gate on the
/// follower's writes: while it is closed, nothing the follower writes reaches the leader, as on a stalled connection.
/// </summary>
internal sealed class InMemoryLink
{
    private readonly Pipe toLeader = new();
    private readonly Pipe toFollower = new();

    public InMemoryLink()
    {
        Follower = new End(toFollower.Reader, toLeader.Writer, this);
        Leader = new End(toLeader.Reader, toFollower.Writer, null);
    }

    public End Follower { get; }

    public End Leader { get; }

    private TaskCompletionSource gate = Open();

    /// <summary>Every follower write from now on waits until <see cref="OpenGate"/>.</summary>
    public void CloseGate() => Interlocked.Exchange(ref gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void OpenGate() => gate.TrySetResult();

    /// <summary>Writes the follower has started, counted before the gate: one past the gate or waiting at it.</summary>
    public int WritesStarted;

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource();
        open.SetResult();
        return open;
    }

    internal sealed class End(PipeReader input, PipeWriter output, InMemoryLink? gated) : Stream
    {
        private readonly Stream reading = input.AsStream();
        private readonly Stream writing = output.AsStream();

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => reading.ReadAsync(buffer, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (gated is not null)
            {
                Interlocked.Increment(ref gated.WritesStarted);
                await gated.gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            await writing.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => writing.FlushAsync(cancellationToken);

        public override void Flush() => writing.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Complete();
                output.Complete();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// A leader's stand-in: records every write it is given and answers each at once with a result naming the write's timer
/// (so a test sees that answers reach the right callers), or holds them all while <see cref="Hold"/> is set.
/// </summary>
internal sealed class RecordingHandler : IForwardedWriteHandler
{
    public readonly ConcurrentQueue<TimerCommand> Received = new();
    public readonly ConcurrentQueue<(long Id, ForwardingSession Session, TimerCommand Command)> Held = new();

    public bool Hold { get; set; }

    public void Start(long id, TimerCommand command, ForwardingSession session)
    {
        Received.Enqueue(command);
        if (Hold)
            Held.Enqueue((id, session, command));
        else
            session.Answer(id, AnswerFor(command));
    }

    public static ForwardedAnswer AnswerFor(TimerCommand command) => command.TimerId.StartsWith("refuse", StringComparison.Ordinal)
        ? ForwardedAnswer.Refuse(507, "full: " + command.TimerId)
        : ForwardedAnswer.Ran(new CommandResult(CommandOutcome.Applied, command.TimerId.Length, 1000, command.TimerId));
}
