using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Forwarding;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Service;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests.Service;

/// <summary>
/// The timer operations as values, on a real node that leads a group of one: what each write and read answers, and
/// the leader's limits refusing before anything is proposed.
/// </summary>
public sealed class TimerServiceTests : IAsyncDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("rafttimers-service-").FullName;
    private readonly ForwardingClient forwarding = new(
        (_, _) => throw new InvalidOperationException("a node that leads forwards nothing"),
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeProvider.System, NullLogger<ForwardingClient>.Instance);

    private TimerNode? node;

    private async Task<TimerService> ServiceAsync(ServiceOptions? options = null)
    {
        node = await SingleNode.StartAsync(directory, TimeProvider.System);
        await Eventually.WaitUntilAsync(() => node.IsLeader, "the node to lead");
        return new TimerService(node, forwarding, options ?? new ServiceOptions(), TimeProvider.System);
    }

    [Fact]
    public async Task Writes_run_on_the_leader_and_answer_with_their_outcome()
    {
        var service = await ServiceAsync();
        Assert.Equal(LeaderAt.Here, (await service.FindLeaderAsync(CancellationToken.None)).At);

        var created = await service.CreateAsync("a", Specs.Http(60_000), CancellationToken.None);
        Assert.Equal(WriteEnd.Ran, created.End);
        Assert.False(created.Forwarded);
        Assert.Equal((CommandOutcome.Applied, 1L), (created.Result.Outcome, created.Result.Version));
        Assert.Equal(CommandOutcome.AlreadyApplied, (await service.CreateAsync("a", Specs.Http(60_000), CancellationToken.None)).Result.Outcome);
        Assert.Equal(CommandOutcome.Conflict, (await service.CreateAsync("a", Specs.Http(5_000), CancellationToken.None)).Result.Outcome);

        var replaced = await service.ReplaceAsync("a", Specs.Http(60_000, data: Specs.Text("second")), 1, CancellationToken.None);
        Assert.Equal((CommandOutcome.Applied, 2L), (replaced.Result.Outcome, replaced.Result.Version));
        var retried = await service.ReplaceAsync("a", Specs.Http(60_000, data: Specs.Text("second")), 1, CancellationToken.None);
        Assert.Equal((CommandOutcome.Conflict, 2L), (retried.Result.Outcome, retried.Result.Version));

        Assert.Equal(CommandOutcome.Applied, (await service.CancelAsync("a", CancellationToken.None)).Result.Outcome);
        Assert.Equal(CommandOutcome.AlreadyApplied, (await service.CancelAsync("a", CancellationToken.None)).Result.Outcome);
        Assert.Equal(CommandOutcome.NotFound, (await service.CancelAsync("nobody", CancellationToken.None)).Result.Outcome);
    }

    [Fact]
    public async Task Reads_answer_the_latest_committed_state()
    {
        var service = await ServiceAsync();
        await service.CreateAsync("b", Specs.Http(60_000), CancellationToken.None);
        await service.CreateAsync("a", Specs.Http(60_000), CancellationToken.None);
        await service.CancelAsync("b", CancellationToken.None);

        var a = await service.GetAsync("a", CancellationToken.None);
        Assert.True(a.Ok);
        Assert.Equal(TimerStatus.Pending, a.Value!.Status);
        var missing = await service.GetAsync("nobody", CancellationToken.None);
        Assert.True(missing.Ok);
        Assert.Null(missing.Value);

        var page = await service.ListAsync(null, null, 1, CancellationToken.None);
        Assert.Equal(["a"], page.Value!.Timers.Select(t => t.Id));
        Assert.Equal("a", page.Value.Next);
        var cancelled = await service.ListAsync(null, TimerStatus.Cancelled, 10, CancellationToken.None);
        Assert.Equal(["b"], cancelled.Value!.Timers.Select(t => t.Id));
        Assert.Null(cancelled.Value.Next);
    }

    [Fact]
    public async Task At_the_pending_timer_limit_a_new_id_is_refused_before_it_is_proposed_and_retries_and_cancels_pass()
    {
        var service = await ServiceAsync(new ServiceOptions { MaxPendingTimers = 2 });
        await service.CreateAsync("a", Specs.Http(60_000), CancellationToken.None);
        await service.CreateAsync("b", Specs.Http(60_000), CancellationToken.None);
        var lastIndex = node!.LastLogIndex;

        var refused = await service.CreateAsync("c", Specs.Http(60_000), CancellationToken.None);
        Assert.Equal((WriteEnd.Refused, Refusal.Full), (refused.End, refused.Refusal));
        Assert.Contains("limit of 2 pending timers", refused.Reason);
        Assert.Equal(lastIndex, node.LastLogIndex); // nothing was proposed

        Assert.Equal(CommandOutcome.AlreadyApplied, (await service.CreateAsync("a", Specs.Http(60_000), CancellationToken.None)).Result.Outcome);
        Assert.Equal(CommandOutcome.Applied, (await service.CancelAsync("b", CancellationToken.None)).Result.Outcome);
        Assert.Equal(CommandOutcome.Applied, (await service.CreateAsync("c", Specs.Http(60_000), CancellationToken.None)).Result.Outcome);
    }

    [Fact]
    public async Task At_the_pending_byte_limit_growing_writes_are_refused_and_shrinking_ones_pass()
    {
        var big = Specs.Text(new string('x', 300));
        var service = await ServiceAsync(new ServiceOptions { MaxPendingBytes = 500 });
        Assert.Equal(CommandOutcome.Applied, (await service.CreateAsync("a", Specs.Http(60_000, data: big), CancellationToken.None)).Result.Outcome);

        var refused = await service.CreateAsync("b", Specs.Http(60_000, data: big), CancellationToken.None);
        Assert.Equal((WriteEnd.Refused, Refusal.Full), (refused.End, refused.Refusal));
        Assert.Equal(Refusal.Full, service.Admit(new UpdateTimer("a", Specs.Http(60_000, data: Specs.Text(new string('y', 600))))).Refusal);

        var smaller = await service.ReplaceAsync("a", Specs.Http(60_000, data: Specs.Text("small")), null, CancellationToken.None);
        Assert.Equal(CommandOutcome.Applied, smaller.Result.Outcome);
        Assert.Equal(CommandOutcome.Applied, (await service.CreateAsync("b", Specs.Http(60_000, data: big), CancellationToken.None)).Result.Outcome);
    }

    public async ValueTask DisposeAsync()
    {
        if (node is not null)
            await node.DisposeAsync();
        await forwarding.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }
}
