using System.Diagnostics;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;
using RaftTimers.Dashboard.Tests.Infrastructure;
using RaftTimers.Node.Dashboard;
using Xunit.Abstractions;

namespace RaftTimers.Dashboard.Tests;

/// <summary>
/// What the next-due index costs the apply loop at a million timers: the pass over the whole state (the first question,
/// after idleness or a snapshot, and at most once per 30 s when stale entries pile up), with the records in creation
/// order and after updates in random order. The figures go to the test output; nothing is asserted about their size
/// (tests never assert speed); what is asserted is that each question made exactly one pass.
/// </summary>
public sealed class NextDueIndexCostTests(ITestOutputHelper output)
{
    private const int Records = 1_000_000;
    private static readonly TimerSpec Spec = new(3_600_000, new CallbackSpec("http", "post", "http://127.0.0.1:9/"), TimerData.None);

    [Theory]
    [InlineData(1_000_000)]
    [InlineData(200_000)]
    public void A_full_pass_at_a_million_timers(int pending)
    {
        // A million records, all but `pending` of them finished (kept for the retention period).
        var (state, tracker, index) = Build(pending);
        Measure($"full pass, {Records:N0} records, {pending:N0} pending, records laid out in creation order", () => Ask(tracker, state));
        Assert.Equal(1, tracker.NextDueIndex.FullPasses);

        // Updates in random order reallocate the pending records all over the heap, as an update-heavy load leaves them.
        _ = UpdateAll(state, tracker, index, pending, pending);
        var fresh = new ActivityTracker(0, new ManualClock());
        Measure($"full pass, {Records:N0} records, {pending:N0} pending, after the updates", () => Ask(fresh, state));
        Assert.Equal(1, fresh.NextDueIndex.FullPasses);
    }

    private void Measure(string what, Action run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var collections = GC.CollectionCount(2);
        var watch = Stopwatch.StartNew();
        run();
        watch.Stop();
        var line = $"{what}: {watch.Elapsed.TotalMilliseconds:F1} ms ({GC.CollectionCount(2) - collections} gen2 collections during it)";
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private static void Ask(ActivityTracker tracker, TimerStateMachine state)
        => Assert.True(tracker.TryNextDue(state, out var next) && next is not null);

    /// <summary><see cref="Records"/> timers created, all but <paramref name="pending"/> of them cancelled.</summary>
    private static (TimerStateMachine, ActivityTracker, long) Build(int pending)
    {
        var state = new TimerStateMachine();
        var tracker = new ActivityTracker(0, new ManualClock());
        long index = 0;
        foreach (var chunk in Enumerable.Range(0, Records).Chunk(1000))
            state.Apply(++index, new TimerLogEntry(1_000, [.. chunk.Select(i => new CreateTimer($"timer-{i:D8}", Spec))]));
        foreach (var chunk in Enumerable.Range(pending, Records - pending).Chunk(1000))
            state.Apply(++index, new TimerLogEntry(1_000, [.. chunk.Select(i => new CancelTimer($"timer-{i:D8}"))]));
        Assert.Equal(pending, state.PendingCount);
        return (state, tracker, index);
    }

    /// <summary>Updates <paramref name="updates"/> timers (cycling over the first <paramref name="pending"/>, in random order), feeding the tracker.</summary>
    private static long UpdateAll(TimerStateMachine state, ActivityTracker tracker, long index, int pending, int updates)
    {
        var results = new List<CommandResult>();
        var events = new List<TimerEvent>();
        var order = Enumerable.Range(0, updates).Select(i => i % pending).ToArray();
        new Random(7).Shuffle(order);
        foreach (var chunk in order.Chunk(1000))
        {
            var commands = chunk.Select(i => (TimerCommand)new UpdateTimer($"timer-{i:D8}", Spec)).ToArray();
            results.Clear();
            events.Clear();
            state.Apply(++index, new TimerLogEntry(2_000, commands), results, events);
            tracker.Applied(index, state.LastStampUnixMs, commands, results, events);
        }

        return index;
    }
}
