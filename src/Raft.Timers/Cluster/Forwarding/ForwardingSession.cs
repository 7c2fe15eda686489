using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Forwarding;

/// <summary>
/// The leader's end of one forwarding connection: reads frames of writes, starts each write at once through the
/// <see cref="IForwardedWriteHandler"/> (which proposes it, so the writes of one frame share log entries with everything
/// else in flight), and writes the answers back as they arrive, as many per frame as are ready. Runs until the follower
/// closes the connection; writes started by then still complete, and their answers are dropped.
/// </summary>
/// <remarks>
/// A frame that cannot be decoded ends the session with a <see cref="CodecException"/> (the follower sees its writes as
/// possibly run and answers 503): a peer that speaks another protocol must not be half understood.
/// </remarks>
public sealed class ForwardingSession(Stream stream, IForwardedWriteHandler handler)
{
    private readonly Channel<(long Id, ForwardedAnswer Answer)> answers =
        Channel.CreateUnbounded<(long, ForwardedAnswer)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Hands back the answer to write <paramref name="id"/>; any thread, once per write. Dropped after the session ended.</summary>
    public void Answer(long id, in ForwardedAnswer answer) => answers.Writer.TryWrite((id, answer));

    /// <summary>Serves the connection until the follower closes it or <paramref name="token"/> fires.</summary>
    public async Task RunAsync(CancellationToken token)
    {
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var writing = WriteLoopAsync(output, stop.Token);
        // Whichever loop ends first ends the session: reading on without a writer would start writes nobody answers.
        _ = writing.ContinueWith(static (_, source) => CancelQuietly((CancellationTokenSource)source!), stop, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await ReadLoopAsync(input, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            answers.Writer.TryComplete();
            await stop.CancelAsync().ConfigureAwait(false);
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await CloseAsync(input, output).ConfigureAwait(false);
        }
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session ended first and disposed it: nothing left to stop.
        }
    }

    /// <summary>
    /// Completes a connection's pipes without flushing what is left: the connection is going away, and its stream may
    /// be broken or stalled already.
    /// </summary>
    internal static async Task CloseAsync(PipeReader input, PipeWriter output)
    {
        var closed = new OperationCanceledException("the forwarding connection is closing");
        try
        {
            await output.CompleteAsync(closed).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
        }

        try
        {
            await input.CompleteAsync(closed).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
        }
    }

    private async Task ReadLoopAsync(PipeReader input, CancellationToken token)
    {
        try
        {
            await ForwardingFrames.ReadFramesAsync<(long Id, TimerCommand Command)>(input, ForwardingFrames.WritesKind, "a follower",
                ForwardingFrames.ReadWrites, writes =>
                {
                    foreach (var (id, command) in writes)
                        Start(id, command);
                }, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            // The follower went away; nothing to answer.
        }
    }

    private void Start(long id, TimerCommand command)
    {
        try
        {
            handler.Start(id, command, this);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A handler that threw may or may not have proposed the write: the follower answers 503.
            Answer(id, ForwardedAnswer.Ran(new CommandResult(CommandOutcome.Indeterminate,
                Reason: $"the leader could not run the write ({e.GetType().Name}); it may or may not have happened")));
        }
    }

    private async Task WriteLoopAsync(PipeWriter output, CancellationToken token)
    {
        var body = new ArrayBufferWriter<byte>(16 * 1024);
        var reader = answers.Reader;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                body.ResetWrittenCount();
                var count = 0;
                while (count < ForwardingConnection.MaxWritesPerFrame && reader.TryRead(out var next))
                {
                    ForwardingFrames.AppendAnswer(body, next.Id, next.Answer);
                    count++;
                }

                if (count == 0)
                    continue;
                ForwardingFrames.WriteFrame(output, ForwardingFrames.AnswersKind, body.WrittenSpan);
                var flushed = await output.FlushAsync(token).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                    return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection went away or the session is stopping: the reading loop ends too (RunAsync).
        }
    }
}

/// <summary>Runs the writes a <see cref="ForwardingSession"/> receives.</summary>
public interface IForwardedWriteHandler
{
    /// <summary>
    /// Starts write <paramref name="id"/> and returns at once; <see cref="ForwardingSession.Answer"/> must be called for it
    /// exactly once, now or later, from any thread.
    /// </summary>
    void Start(long id, TimerCommand command, ForwardingSession session);
}
