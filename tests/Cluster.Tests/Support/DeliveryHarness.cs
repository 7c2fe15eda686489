using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Cluster.Propose;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>
/// A <see cref="DeliveryRunner"/> for one term over a store holding firing timers, with the transport and lease a test
/// gives. The proposer never leads, so recording an attempt's result is refused and a delivery ends after its send:
/// the tests look at sends only.
/// </summary>
internal sealed class DeliveryHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource leadership = new();
    private readonly CommandProposer proposer;

    public DeliveryHarness(IEnumerable<string> firingIds, ICallbackTransport transport, ILeaderLease lease, DeliveryOptions? options = null)
    {
        var ids = firingIds.ToList();
        Store.Apply(1, LogEntryCodec.Encode(1_000, [.. ids.Select(id => new CreateTimer(id, Specs.Http(10)))]), null);
        Store.Apply(2, LogEntryCodec.Encode(2_000, [.. ids.Select(id => new FireTimer(id, 1))]), null);
        proposer = new CommandProposer(LeaderTermTests.FakeCluster.Create(null!), Store, Clocks.Leader(TimeProvider.System), new ProposerOptions(),
            NullLogger<CommandProposer>.Instance);
        options ??= new DeliveryOptions();
        Runner = new DeliveryRunner(Store, proposer, new CallbackTransports([transport]),
            new RetryBackoff(options, new Random(1)), new SemaphoreSlim(options.MaxConcurrentDeliveries), options, new NoLeaderObserver(),
            TimeProvider.System, NullLogger.Instance, lease, leadership.Token);
    }

    public AppliedState Store { get; } = new();

    public DeliveryRunner Runner { get; }

    public async ValueTask DisposeAsync()
    {
        await leadership.CancelAsync();
        await Runner.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await proposer.DisposeAsync();
        leadership.Dispose();
    }
}
