using RaftTimers.Delivery;
using RaftTimers.StateMachine;

namespace RaftTimers.Tests;

/// <summary>
/// Many timers firing at once (issue 15, point 11): at most MaxActiveDeliveries deliveries are under way, each
/// firing timer beyond them waits as a queue entry, and every one is delivered once a delivery ends.
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
    public async Task At_most_the_maximum_of_deliveries_are_under_way_and_every_firing_timer_is_delivered_once()
    {
        foreach (var timer in harness.Store.Read(s => s.Firing()))
            harness.Runner.Start(timer.Id, timer.Version);
        harness.Runner.Start("t00", 1); // already waiting or under way: not twice

        await Eventually.WaitUntilAsync(() => transport.InFlight == MaxActive, "the first deliveries to be sending");
        Assert.Equal(MaxActive, harness.Runner.ActiveCount);
        Assert.Equal(Timers - MaxActive, harness.Runner.WaitingCount);

        transport.Open();
        await Eventually.WaitUntilAsync(() => transport.Sent.Count == Timers && harness.Runner.ActiveCount == 0, "every timer to be delivered");
        Assert.Equal(MaxActive, transport.MostInFlight);
        Assert.Equal(Timers, transport.Sent.Distinct().Count());
        Assert.Equal(0, harness.Runner.WaitingCount);
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
