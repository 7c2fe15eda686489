using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Forwarding;

/// <summary>
/// A follower's end of one forwarding connection to the leader. Callers send writes one at a time; one loop packs
/// whatever is waiting into a single frame (group forwarding, as <see cref="Propose.CommandProposer"/> packs entries), and
/// one loop reads the leader's answers and completes each caller by its request id. Made by <see cref="ForwardingClient"/>.
/// </summary>
/// <remarks>
/// A write is <em>sent</em> once its bytes are handed to the connection; from then on, losing the connection leaves its
/// outcome unknown (<see cref="ForwardingException.MayHaveRun"/>). A write still queued when the connection breaks, or
/// whose caller gave up before it was sent, never reaches the leader. Callers are completed on the reading loop's
/// thread: their continuations (writing an HTTP answer) run there without a hop to the thread pool.
/// </remarks>
public sealed class ForwardingConnection : IAsyncDisposable
{
    /// <summary>At most this many writes in one frame, so one frame never holds a burst's every write.</summary>
    public const int MaxWritesPerFrame = 1024;

    private const int MaxFrameBodyBytes = 1024 * 1024;

    private readonly Stream stream;
    private readonly PipeReader input;
    private readonly PipeWriter output;
    // Not single-reader: Break drains it too, from whichever loop or caller breaks the connection.
    private readonly Channel<Outgoing> queue = Channel.CreateUnbounded<Outgoing>();
    private readonly Dictionary<long, Outgoing> awaiting = [];
    private readonly CancellationTokenSource closing = new();
    private readonly Task writing;
    private readonly Task reading;
    private readonly ForwardingCounters counters;
    private readonly TimeProvider clock;
    private readonly TimeSpan answerTimeout;
    private readonly ITimer watchdog;
    private readonly Action<ForwardingConnection>? onBroken;
    private long lastId;
    private int disposed;
    private volatile string? brokenReason;

    /// <param name="stream">A stream already speaking <see cref="ForwardingFrames.Protocol"/>; owned from here on.</param>
    /// <param name="counters">Where frames and writes sent are counted.</param>
    /// <param name="answerTimeout">
    /// A sent write unanswered for this long breaks the connection (default 30 s): the leader commits or gives up on
    /// every write within its commit timeout, so silence this long means a lost peer or a half-open connection, and
    /// keeping it would send every later write into it.
    /// </param>
    /// <param name="clock">Time for the answer timeout.</param>
    /// <param name="onBroken">Told once, when the connection breaks, so its owner can let it go.</param>
    public ForwardingConnection(Stream stream, ForwardingCounters? counters = null, TimeSpan? answerTimeout = null, TimeProvider? clock = null,
        Action<ForwardingConnection>? onBroken = null)
    {
        this.stream = stream;
        this.counters = counters ?? new ForwardingCounters();
        this.clock = clock ?? TimeProvider.System;
        this.answerTimeout = answerTimeout ?? TimeSpan.FromSeconds(30);
        this.onBroken = onBroken;
        input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
        var period = this.answerTimeout / 4;
        watchdog = this.clock.CreateTimer(_ => BreakIfUnanswered(), null, period, period);
        writing = Task.Run(WriteLoopAsync);
        reading = Task.Run(ReadLoopAsync);
    }

    /// <summary>Null while the connection works; once it broke, why. A broken connection sends nothing more.</summary>
    public string? BrokenReason => brokenReason;

    /// <summary>Writes sent and not yet answered, plus writes queued to be sent.</summary>
    public int Outstanding
    {
        get
        {
            lock (awaiting)
                return awaiting.Count + queue.Reader.Count;
        }
    }

    /// <summary>
    /// Sends <paramref name="command"/> to the leader and waits for its answer. Throws <see cref="ForwardingException"/>
    /// when the connection breaks first, and <see cref="OperationCanceledException"/> when <paramref name="token"/> fires
    /// first (as <see cref="ForwardingCanceledException"/>); either one's <c>MayHaveRun</c> tells whether the leader may
    /// have run it.
    /// </summary>
    public async Task<ForwardedAnswer> SendAsync(TimerCommand command, CancellationToken token)
    {
        var outgoing = new Outgoing(Interlocked.Increment(ref lastId), command);
        if (brokenReason is { } broken || !queue.Writer.TryWrite(outgoing))
            throw new ForwardingException($"the connection to the leader is closed ({brokenReason ?? "closing"})", mayHaveRun: false);

        try
        {
            return await outgoing.Answer.Task.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Either this stops it from being sent, or it was sent already and its fate is the leader's.
            outgoing.Abandon();
            throw new ForwardingCanceledException(outgoing.WasSent, token);
        }
    }

    private async Task WriteLoopAsync()
    {
        var body = new ArrayBufferWriter<byte>(64 * 1024);
        var scratch = new ArrayBufferWriter<byte>(1024);
        var encoded = new ArrayBufferWriter<byte>(1024);
        var batch = new List<Outgoing>(64);
        try
        {
            while (await queue.Reader.WaitToReadAsync(closing.Token).ConfigureAwait(false))
            {
                body.ResetWrittenCount();
                batch.Clear();
                while (batch.Count < MaxWritesPerFrame && body.WrittenCount < MaxFrameBodyBytes && queue.Reader.TryRead(out var next))
                {
                    if (!next.TryMarkSent())
                        continue; // its caller gave up while it waited here: it never leaves this node
                    try
                    {
                        ForwardingFrames.AppendWrite(body, scratch, encoded, next.Id, next.Command);
                    }
                    catch (Exception e) when (e is ArgumentException or CodecException)
                    {
                        next.Answer.TrySetException(new ForwardingException($"the write cannot be encoded: {e.Message}", mayHaveRun: false, e));
                        continue;
                    }

                    batch.Add(next);
                }

                if (batch.Count == 0)
                    continue;
                string? broken;
                lock (awaiting)
                {
                    broken = brokenReason;
                    if (broken is null)
                    {
                        var now = clock.GetTimestamp();
                        foreach (var sent in batch)
                        {
                            sent.SentTimestamp = now;
                            awaiting[sent.Id] = sent;
                        }
                    }
                }

                if (broken is not null)
                {
                    // Broken between taking these off the queue and writing them: none of their bytes left this node.
                    foreach (var unsent in batch)
                        unsent.Answer.TrySetException(new ForwardingException($"the connection to the leader broke ({broken}); the write was not sent", mayHaveRun: false));
                    break;
                }

                ForwardingFrames.WriteFrame(output, ForwardingFrames.WritesKind, body.WrittenSpan);
                counters.Sent(batch.Count);
                var flushed = await output.FlushAsync(closing.Token).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                    break;
            }

            Break("the connection was closed");
        }
        catch (Exception e)
        {
            Break($"sending failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            await ForwardingFrames.ReadFramesAsync<(long Id, ForwardedAnswer Answer)>(input, ForwardingFrames.AnswersKind, "the leader",
                ForwardingFrames.ReadAnswers, Complete, closing.Token).ConfigureAwait(false);
            Break("the leader closed the connection");
        }
        catch (Exception e)
        {
            Break($"receiving failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Complete(List<(long Id, ForwardedAnswer Answer)> answers)
    {
        foreach (var (id, answer) in answers)
        {
            Outgoing? waiting;
            lock (awaiting)
                awaiting.Remove(id, out waiting);
            waiting?.Answer.TrySetResult(answer);
        }
    }

    /// <summary>Runs on the watchdog timer: breaks the connection when its oldest sent write has waited too long for an answer.</summary>
    private void BreakIfUnanswered()
    {
        long oldest = long.MaxValue;
        lock (awaiting)
        {
            foreach (var waiting in awaiting.Values)
                oldest = Math.Min(oldest, waiting.SentTimestamp);
        }

        if (oldest != long.MaxValue && clock.GetElapsedTime(oldest) > answerTimeout)
            Break($"no answer from the leader for {answerTimeout.TotalSeconds:F0} s");
    }

    /// <summary>Fails every write not yet answered, once: sent ones as maybe run, queued ones as never sent.</summary>
    private void Break(string reason)
    {
        lock (awaiting)
        {
            if (brokenReason is not null)
                return;
            brokenReason = reason;
        }

        queue.Writer.TryComplete();
        closing.Cancel();
        List<Outgoing> sent;
        lock (awaiting)
        {
            sent = [.. awaiting.Values];
            awaiting.Clear();
        }

        foreach (var s in sent)
            s.Answer.TrySetException(new ForwardingException($"the connection to the leader broke before its answer ({reason}); the write may or may not have happened", mayHaveRun: true));
        while (queue.Reader.TryRead(out var queued))
            queued.Answer.TrySetException(new ForwardingException($"the connection to the leader broke ({reason}); the write was not sent", mayHaveRun: false));
        onBroken?.Invoke(this);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        Break("closed by this node");
        await watchdog.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(writing, reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await ForwardingSession.CloseAsync(input, output).ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
        closing.Dispose();
    }

    private sealed class Outgoing(long id, TimerCommand command)
    {
        private const int Queued = 0, Sent = 1, Abandoned = 2;
        private int state;

        public readonly long Id = id;
        public readonly TimerCommand Command = command;

        /// <summary>When its frame was handed to the connection; set by the writing loop.</summary>
        public long SentTimestamp;

        /// <summary>Completed on the reading loop; continuations run there (see the class remarks).</summary>
        public readonly TaskCompletionSource<ForwardedAnswer> Answer = new();

        public bool WasSent => Volatile.Read(ref state) == Sent;

        public bool TryMarkSent() => Interlocked.CompareExchange(ref state, Sent, Queued) == Queued;

        public void Abandon() => Interlocked.CompareExchange(ref state, Abandoned, Queued);
    }
}

/// <summary>The caller's deadline passed before the leader answered; <see cref="MayHaveRun"/> when the write had been sent.</summary>
public sealed class ForwardingCanceledException(bool mayHaveRun, CancellationToken token)
    : OperationCanceledException("no answer from the leader before the deadline", token)
{
    public bool MayHaveRun { get; } = mayHaveRun;
}
