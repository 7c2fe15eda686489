using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Codec;
using RaftTimers.Commands;
using RaftTimers.Delivery;
using RaftTimers.Raft;
using RaftTimers.StateMachine;

namespace RaftTimers.Tests;

/// <summary>
/// Many timers firing at once (issue 15, point 11): at most MaxActiveDeliveries deliveries are under way, each
/// firing timer beyond them waits as a queue entry, and every one is delivered once a delivery ends.
/// </summary>
public sealed class DeliveryQueueTests : IAsyncDisposable
{
    private const int Timers = 40, MaxActive = 3;
    private readonly TimerStore store = new();
    private readonly CancellationTokenSource leadership = new();
    private readonly GatedTransport transport = new();
    private readonly CommandProposer proposer;
    private readonly DeliveryRunner runner;

    public DeliveryQueueTests()
    {
        var ids = Enumerable.Range(0, Timers).Select(i => $"t{i:D2}").ToList();
        store.Apply(1, LogEntryCodec.Encode(1_000, [.. ids.Select(id => new CreateTimer(id, Specs.Http(10)))]), null);
        store.Apply(2, LogEntryCodec.Encode(2_000, [.. ids.Select(id => new FireTimer(id, 1))]), null);
        proposer = new CommandProposer(LeaderTermTests.FakeCluster.Create(null!), store, new LeaderClock(TimeProvider.System), new ProposerOptions(),
            NullLogger<CommandProposer>.Instance);
        var options = new DeliveryOptions { MaxActiveDeliveries = MaxActive, MaxConcurrentDeliveries = 64 };
        runner = new DeliveryRunner(store, proposer, new Dictionary<string, ICallbackTransport> { ["http"] = transport },
            new RetryBackoff(options, new Random(1)), new SemaphoreSlim(64), options, new NoLeaderObserver(), TimeProvider.System,
            NullLogger.Instance, new AlwaysLeased(), leadership.Token);
    }

    [Fact]
    public async Task At_most_the_maximum_of_deliveries_are_under_way_and_every_firing_timer_is_delivered_once()
    {
        foreach (var timer in store.Read(s => s.Firing()))
            runner.Start(timer.Id, timer.Version);
        runner.Start("t00", 1); // already waiting or under way: not twice

        await Eventually.WaitUntilAsync(() => transport.InFlight == MaxActive, "the first deliveries to be sending");
        Assert.Equal(MaxActive, runner.ActiveCount);
        Assert.Equal(Timers - MaxActive, runner.WaitingCount);

        transport.Open();
        await Eventually.WaitUntilAsync(() => transport.Sent.Count == Timers && runner.ActiveCount == 0, "every timer to be delivered");
        Assert.Equal(MaxActive, transport.MostInFlight);
        Assert.Equal(Timers, transport.Sent.Distinct().Count());
        Assert.Equal(0, runner.WaitingCount);
    }

    public async ValueTask DisposeAsync()
    {
        transport.Open();
        await leadership.CancelAsync();
        await runner.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await proposer.DisposeAsync();
        leadership.Dispose();
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
