using RaftTimers.Cluster.Forwarding;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests.Forwarding;

/// <summary>A follower's forwarding connection against a leader's session, over an in-memory link.</summary>
public sealed class ForwardingConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly InMemoryLink link = new();
    private readonly RecordingHandler leader = new();
    private readonly ForwardingCounters counters = new();
    private ForwardingConnection connection = null!;
    private Task session = Task.CompletedTask;

    public Task InitializeAsync()
    {
        session = new ForwardingSession(link.Leader, leader).RunAsync(CancellationToken.None);
        connection = new ForwardingConnection(link.Follower, counters);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        link.OpenGate();
        await connection.DisposeAsync();
        link.Leader.Dispose();
        await session.WaitAsync(Deadline).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task Every_caller_gets_the_answer_to_its_own_write()
    {
        var sends = Enumerable.Range(0, 500)
            .Select(i => connection.SendAsync(new CreateTimer($"t{i}", Specs.Http(1000)), CancellationToken.None))
            .ToArray();
        var answers = await Task.WhenAll(sends).WaitAsync(Deadline);

        for (var i = 0; i < answers.Length; i++)
            Assert.Equal($"t{i}", answers[i].Result.Reason);
        Assert.Equal(500, counters.Writes);
        Assert.Equal(500, leader.Received.Count);
    }

    [Fact]
    public async Task Writes_that_wait_while_a_frame_is_sent_leave_together_in_the_next_frame()
    {
        link.CloseGate();
        var first = connection.SendAsync(new CancelTimer("first"), CancellationToken.None);
        await WaitUntilAsync(() => link.WritesStarted >= 1);

        var waiting = Enumerable.Range(0, 9).Select(i => connection.SendAsync(new CancelTimer($"w{i}"), CancellationToken.None)).ToArray();
        link.OpenGate();
        await Task.WhenAll([first, .. waiting]).WaitAsync(Deadline);

        Assert.Equal(10, counters.Writes);
        Assert.Equal(2, counters.Frames);
    }

    [Fact]
    public async Task A_refusal_comes_back_with_its_status_and_reason()
    {
        var answer = await connection.SendAsync(new CreateTimer("refuse-me", Specs.Http(1000)), CancellationToken.None).WaitAsync(Deadline);

        Assert.True(answer.Refused);
        Assert.Equal(507, answer.RefusedStatus);
        Assert.Equal("full: refuse-me", answer.Result.Reason);
    }

    [Fact]
    public async Task A_lost_connection_fails_sent_writes_as_maybe_run_and_queued_ones_as_never_sent()
    {
        leader.Hold = true;
        var answered = connection.SendAsync(new CancelTimer("reached-the-leader"), CancellationToken.None);
        await WaitUntilAsync(() => leader.Received.Count == 1);

        link.CloseGate();
        var stuck = connection.SendAsync(new CancelTimer("in-the-socket"), CancellationToken.None);
        await WaitUntilAsync(() => link.WritesStarted >= 2);
        var queued = connection.SendAsync(new CancelTimer("still-queued"), CancellationToken.None);

        link.Leader.Dispose(); // the leader goes away without answering

        Assert.True((await Assert.ThrowsAsync<ForwardingException>(() => answered.WaitAsync(Deadline))).MayHaveRun);
        Assert.True((await Assert.ThrowsAsync<ForwardingException>(() => stuck.WaitAsync(Deadline))).MayHaveRun);
        Assert.False((await Assert.ThrowsAsync<ForwardingException>(() => queued.WaitAsync(Deadline))).MayHaveRun);
        Assert.NotNull(connection.BrokenReason);
        Assert.False((await Assert.ThrowsAsync<ForwardingException>(
            () => connection.SendAsync(new CancelTimer("after"), CancellationToken.None))).MayHaveRun);
    }

    [Fact]
    public async Task A_write_whose_caller_gave_up_before_it_was_sent_never_reaches_the_leader()
    {
        link.CloseGate();
        var first = connection.SendAsync(new CancelTimer("first"), CancellationToken.None);
        await WaitUntilAsync(() => link.WritesStarted >= 1);

        using var giveUp = new CancellationTokenSource();
        var abandoned = connection.SendAsync(new CancelTimer("abandoned"), giveUp.Token);
        await giveUp.CancelAsync();
        var canceled = await Assert.ThrowsAsync<ForwardingCanceledException>(() => abandoned.WaitAsync(Deadline));
        Assert.False(canceled.MayHaveRun);

        link.OpenGate();
        await first.WaitAsync(Deadline);
        await connection.SendAsync(new CancelTimer("last"), CancellationToken.None).WaitAsync(Deadline);
        Assert.Equal(["first", "last"], leader.Received.Select(c => c.TimerId));
    }

    [Fact]
    public async Task A_caller_that_gives_up_after_its_write_was_sent_hears_it_may_have_run()
    {
        leader.Hold = true;
        using var giveUp = new CancellationTokenSource();
        var send = connection.SendAsync(new CancelTimer("sent"), giveUp.Token);
        await WaitUntilAsync(() => leader.Received.Count == 1);
        await giveUp.CancelAsync();

        Assert.True((await Assert.ThrowsAsync<ForwardingCanceledException>(() => send.WaitAsync(Deadline))).MayHaveRun);
    }

    [Fact]
    public async Task A_frame_the_leader_cannot_read_ends_the_session()
    {
        var raw = new InMemoryLink();
        var session = new ForwardingSession(raw.Leader, leader).RunAsync(CancellationToken.None);
        await raw.Follower.WriteAsync(new byte[] { 3, 0, 0, 0, ForwardingFrames.WritesKind, 0xFF, 0xFF });
        await raw.Follower.FlushAsync();

        await Assert.ThrowsAsync<CodecException>(() => session.WaitAsync(Deadline));
        Assert.Empty(leader.Received);
    }

    [Fact]
    public async Task A_leader_that_stops_answering_breaks_the_connection_and_its_owner_hears_of_it()
    {
        var silent = new InMemoryLink();
        var holding = new RecordingHandler { Hold = true };
        var session = new ForwardingSession(silent.Leader, holding).RunAsync(CancellationToken.None);
        var told = new TaskCompletionSource<ForwardingConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watched = new ForwardingConnection(silent.Follower, answerTimeout: TimeSpan.FromMilliseconds(200),
            onBroken: c => told.TrySetResult(c));

        // The link stays open and the leader keeps reading: only the missing answer can break it.
        var send = watched.SendAsync(new CancelTimer("never-answered"), CancellationToken.None);

        Assert.True((await Assert.ThrowsAsync<ForwardingException>(() => send.WaitAsync(Deadline))).MayHaveRun);
        Assert.Same(watched, await told.Task.WaitAsync(Deadline));
        Assert.Contains("no answer", watched.BrokenReason);
        Assert.Single(holding.Received);
        await watched.DisposeAsync(); // the follower's end closes, which ends the leader's session
        silent.Leader.Dispose();
        await session.WaitAsync(Deadline).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task An_idle_connection_is_not_taken_for_a_silent_one()
    {
        var idle = new InMemoryLink();
        var session = new ForwardingSession(idle.Leader, leader).RunAsync(CancellationToken.None);
        await using var watched = new ForwardingConnection(idle.Follower, answerTimeout: TimeSpan.FromMilliseconds(100));
        await watched.SendAsync(new CancelTimer("answered"), CancellationToken.None).WaitAsync(Deadline);

        // Many watchdog periods with nothing awaiting an answer: the connection must still carry writes.
        await Task.Delay(TimeSpan.FromMilliseconds(600));

        Assert.Null(watched.BrokenReason);
        await watched.SendAsync(new CancelTimer("later"), CancellationToken.None).WaitAsync(Deadline);
        await watched.DisposeAsync();
        idle.Leader.Dispose();
        await session.WaitAsync(Deadline).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!condition())
            await Task.Delay(5, deadline.Token);
    }
}
