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

    [Fact]
    public async Task A_batch_is_one_entry_whatever_else_is_proposed_with_a_result_per_item_and_refused_items_left_out()
    {
        // Room for every timer below (1 held, 600 big, 200 singles, after-cancel; held is cancelled), and one filler.
        var service = await ServiceAsync(new ServiceOptions { MaxPendingTimers = 802 });
        var entries = new EntryRecorder();
        node!.Store.Observe(entries);
        await service.CreateAsync("held", Specs.Http(60_000), CancellationToken.None);

        // More commands than one entry takes from the queue, and singles proposed at the same time from all sides.
        var big = Enumerable.Range(0, 600).Select(i => (TimerCommand)new CreateTimer($"big-{i:D4}", Specs.Http(60_000))).ToList();
        var small = new List<TimerCommand>
        {
            new CreateTimer("held", Specs.Http(60_000)),
            new CreateTimer("held", Specs.Http(5_000)),
            new CancelTimer("held"),
            new CancelTimer("nobody"),
            new CreateTimer("after-cancel", Specs.Http(60_000)),
        };
        var singles = Enumerable.Range(0, 200).Select(i => service.CreateAsync($"single-{i:D3}", Specs.Http(60_000), CancellationToken.None)).ToList();
        var bigRun = service.WriteBatchAsync(big, CancellationToken.None);
        var smallRun = service.WriteBatchAsync(small, CancellationToken.None);
        await Task.WhenAll(singles);
        var bigResults = (await bigRun).Results!;
        var smallResults = (await smallRun).Results!;

        Assert.All(bigResults, r => Assert.Equal((WriteEnd.Ran, CommandOutcome.Applied), (r.End, r.Result.Outcome)));
        Assert.Equal(
            [CommandOutcome.AlreadyApplied, CommandOutcome.Conflict, CommandOutcome.Applied, CommandOutcome.NotFound, CommandOutcome.Applied],
            smallResults.Select(r => r.Result.Outcome));
        Assert.All(singles, s => Assert.Equal(CommandOutcome.Applied, s.Result.Result.Outcome));
        entries.AssertOneEntryInOrder(big);
        entries.AssertOneEntryInOrder(small);

        // At the pending limit, each create is refused alone and left out.
        Assert.Equal(CommandOutcome.Applied, (await service.CreateAsync("filler", Specs.Http(60_000), CancellationToken.None)).Result.Outcome);
        var refused = (await service.WriteBatchAsync([new CreateTimer("one-too-many", Specs.Http(60_000)), new CancelTimer("single-000")], CancellationToken.None)).Results!;
        Assert.Equal((WriteEnd.Refused, Refusal.Full), (refused[0].End, refused[0].Refusal));
        Assert.Equal((WriteEnd.Ran, CommandOutcome.Applied), (refused[1].End, refused[1].Result.Outcome));
        Assert.Null((await service.GetAsync("one-too-many", CancellationToken.None)).Value);
        Assert.DoesNotContain(entries.Entries, e => e.Ids.Contains("one-too-many"));
    }

    /// <summary>Every applied entry's command ids, in order.</summary>
    private sealed class EntryRecorder : RaftTimers.Cluster.Diagnostics.IApplyObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(long Index, List<string> Ids, List<string> Kinds)> entries = new();

        public IReadOnlyList<(long Index, List<string> Ids, List<string> Kinds)> Entries => [.. entries];

        public void Applied(long index, long stampUnixMs, IReadOnlyList<TimerCommand> commands, IReadOnlyList<CommandResult> results,
            IReadOnlyList<RaftTimers.Core.Apply.TimerEvent> events)
            => entries.Enqueue((index, [.. commands.Select(c => c.TimerId)], [.. commands.Select(c => c.GetType().Name)]));

        public void StateReplaced()
        {
        }

        /// <summary>The group's commands sit in one entry, next to each other and in their order.</summary>
        public void AssertOneEntryInOrder(IReadOnlyList<TimerCommand> group)
        {
            var ids = group.Select(c => c.TimerId).ToList();
            var kinds = group.Select(c => c.GetType().Name).ToList();
            var holding = Entries.Where(e => e.Ids.Count >= ids.Count && Enumerable.Range(0, e.Ids.Count - ids.Count + 1)
                .Any(at => e.Ids.Skip(at).Take(ids.Count).SequenceEqual(ids) && e.Kinds.Skip(at).Take(kinds.Count).SequenceEqual(kinds))).ToList();
            Assert.True(holding.Count == 1, $"the group of {ids.Count} is not whole in one entry; entries holding {ids[0]}: "
                + string.Join(", ", Entries.Where(e => e.Ids.Contains(ids[0])).Select(e => $"#{e.Index} ({e.Ids.Count} commands)")));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (node is not null)
            await node.DisposeAsync();
        await forwarding.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }
}
