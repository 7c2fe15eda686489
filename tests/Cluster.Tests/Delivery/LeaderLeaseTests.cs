using System.Threading.Channels;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;

namespace RaftTimers.Tests;

/// <summary>
/// Callbacks leave only under the leader lease (issue 15, point 8): a leader cut off from the others keeps its
/// leadership token until a Raft request times out, but loses its lease before another node can be elected, and
/// must not send in between.
/// </summary>
public sealed class LeaderLeaseTests : IAsyncDisposable
{
    private readonly ControlledLease lease = new();
    private readonly RecordingTransport transport = new();
    private readonly DeliveryHarness harness;

    public LeaderLeaseTests() => harness = new DeliveryHarness(["t"], transport, lease);

    [Fact]
    public async Task No_attempt_leaves_without_a_lease_and_one_leaves_once_the_lease_is_back()
    {
        harness.Runner.Start("t", 1);

        // Without a lease the runner waits, looking again every few ms; after twenty looks, the lease returns.
        await Eventually.WaitUntilAsync(() => lease.Looks >= 20, "the runner to look for a lease again and again");
        Assert.Equal(0, transport.Sends.Reader.Count);

        lease.Grant();
        var send = await transport.Sends.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, send.Attempt);
        Assert.False(send.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task An_attempt_under_way_when_the_lease_runs_out_is_cut_short_and_the_same_attempt_goes_again_under_the_next_lease()
    {
        lease.Grant();
        transport.Hold = true;
        harness.Runner.Start("t", 1);
        var first = await transport.Sends.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        lease.Expire();
        await first.Ended.WaitAsync(TimeSpan.FromSeconds(30)); // the send saw its token cancelled
        Assert.True(first.Token.IsCancellationRequested);

        transport.Hold = false;
        lease.Grant();
        var again = await transport.Sends.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(first.Attempt, again.Attempt);
    }

    public ValueTask DisposeAsync() => harness.DisposeAsync();

    /// <summary>A lease the test grants and lets run out.</summary>
    private sealed class ControlledLease : ILeaderLease
    {
        private CancellationTokenSource? current;
        private int looks;

        /// <summary>How often the runner asked for the lease.</summary>
        public int Looks => Volatile.Read(ref looks);

        public void Grant() => Volatile.Write(ref current, new CancellationTokenSource());

        public void Expire()
        {
            var lapsed = Interlocked.Exchange(ref current, null);
            lapsed?.Cancel();
        }

        public bool TryGet(out CancellationToken token)
        {
            Interlocked.Increment(ref looks);
            var now = Volatile.Read(ref current);
            token = now?.Token ?? new CancellationToken(canceled: true);
            return now is not null;
        }
    }

    private sealed record Send(int Attempt, CancellationToken Token, Task Ended);

    /// <summary>Records every send; a held send lasts until its token is cancelled.</summary>
    private sealed class RecordingTransport : ICallbackTransport
    {
        public Channel<Send> Sends { get; } = Channel.CreateUnbounded<Send>();

        public volatile bool Hold;

        public string Name => "http";

        public string TargetShape => "any URI";

        public bool Accepts(Uri target) => true;

        public async Task<AttemptResult> SendAsync(TimerRecord timer, int attempt, CancellationToken token)
        {
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Sends.Writer.TryWrite(new Send(attempt, token, ended.Task));
            try
            {
                if (Hold)
                    await Task.Delay(Timeout.Infinite, token);
                return AttemptResult.Success;
            }
            finally
            {
                ended.TrySetResult();
            }
        }
    }
}
