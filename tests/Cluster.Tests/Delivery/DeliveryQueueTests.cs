using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;

namespace RaftTimers.Tests;

/// <summary>
/// Many timers firing at once (issue 15, point 11): at most MaxActiveDeliveries deliveries are under way and as many
/// wait in the queue; a firing timer beyond them is turned away, stays firing in the state, and is offered again once
/// the queue has room (as the leader does, <see cref="DeliveryRunner.NeedsRefill"/>). Every one is delivered, once.
/// </summary>
public sealed class DeliveryQueueTests : IAsyncDisposable
{
    private const int Timers = 40, MaxActive = 3;
    private readonly GatedTransport transport = new();
    private readonly DeliveryHarness harness;

    public DeliveryQueueTests()
        => harness = new DeliveryHarness(Enumerable.Range(0, Timers).Select(i => $"t{i:D2}"), transport, new AlwaysLeased(),
            new DeliveryOptions { MaxActiveDeliveries = MaxActive, MaxConcurrentDeliveries = 64 });

    [Fact]
    public async Task The_queue_is_bounded_and_every_firing_timer_is_delivered_once_as_room_frees_up()
    {
        var runner = harness.Runner;
        runner.RequestRefill();
        Offer(runner); // the first three start sending at once
        Offer(runner); // three more wait
        runner.Start("t39", 1); // turned away: the queue is full
        runner.Start("t00", 1); // already under way: not twice

        await Eventually.WaitUntilAsync(() => transport.InFlight == MaxActive, "the first deliveries to be sending");
        Assert.Equal(MaxActive, runner.ActiveCount);
        Assert.Equal(MaxActive, runner.WaitingCount); // the queue's bound, not the 37 timers still to go
        Assert.True(runner.NeedsRefill);

        transport.Open();
        await Eventually.WaitUntilAsync(() =>
        {
            Assert.True(runner.WaitingCount <= MaxActive, $"{runner.WaitingCount} waiting, beyond the bound of {MaxActive}");
            if (runner.NeedsRefill)
                Offer(runner);
            return transport.Sent.Count == Timers && runner.ActiveCount == 0;
        }, "every timer to be delivered");
        Assert.Equal(MaxActive, transport.MostInFlight);
        Assert.Equal(Timers, transport.Sent.Distinct().Count());
        Assert.Equal(0, runner.WaitingCount);
    }

    /// <summary>
    /// The leader's offer of firing timers (LeaderStep.OfferFiring). Here the delivered results are never applied (the
    /// harness's cluster commits nothing), so timers already sent are skipped as the applied result would remove them.
    /// </summary>
    private void Offer(DeliveryRunner runner)
    {
        var (firing, more) = harness.Store.Read(s => (s.SomeFiring((id, v) => runner.IsKnown(id, v) || transport.Sent.Contains(id), runner.Room, out var more), more));
        foreach (var timer in firing)
            runner.Offer(timer.Id, timer.Version);
        if (!more)
            runner.Refilled();
    }

    public async ValueTask DisposeAsync()
    {
        transport.Open();
        await harness.DisposeAsync();
    }

    /// <summary>Holds every send until opened; counts sends in flight and the most at once.</summary>
    private sealed class GatedTransport : ICallbackTransport
    {
        private readonly TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int inFlight;
        private int mostInFlight;

        public System.Collections.Concurrent.ConcurrentBag<string> Sent { get; } = [];

        public int InFlight => Volatile.Read(ref inFlight);

        public int MostInFlight => Volatile.Read(ref mostInFlight);

        public string Name => "http";

        public string TargetShape => "any URI";

        public bool Accepts(Uri target) => true;

        public void Open() => open.TrySetResult();

        public async Task<AttemptResult> SendAsync(TimerRecord timer, int attempt, CancellationToken token)
        {
            var now = Interlocked.Increment(ref inFlight);
            int most;
            while (now > (most = Volatile.Read(ref mostInFlight)) && Interlocked.CompareExchange(ref mostInFlight, now, most) != most)
            {
            }

            try
            {
                await open.Task.WaitAsync(token);
                Sent.Add(timer.Id);
                return AttemptResult.Success;
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}
