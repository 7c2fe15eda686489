using BenchmarkDotNet.Attributes;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Microbenchmarks;

/// <summary>
/// State-machine apply, per entry of 256 commands, into a fresh state per iteration that already holds
/// <see cref="PendingBefore"/> timers. The new ids fall between the existing ones (odd numbers among even ones), so
/// the sorted id index inserts in the middle as it does for ids clients choose, not only at its end.
/// One invocation applies <see cref="Entries"/> entries (65,536 commands): an iteration is one invocation, and it
/// must last tens of milliseconds to be timed well.
/// </summary>
/// <remarks>
/// With one invocation per iteration, the three warmups of <c>--job short</c> end before tiered compilation has
/// settled (the three measured iterations fell from 150 to 60 µs), so this class asks for more warmups and
/// iterations whatever job the command line names.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(8)]
[IterationCount(8)]
public class ApplyBenchmarks
{
    private const int Batch = 256;
    private const int Entries = 256;

    // Later than every sample create's due time, so each fire applies rather than being stale.
    private const long FireStampUnixMs = Sample.StampUnixMs + Sample.TimeoutMs + 10_000;

    private TimerLogEntry preload = new(Sample.StampUnixMs, []);
    private TimerLogEntry[] createEntries = [];
    private TimerLogEntry[] fireEntries = [];
    private byte[][] createBytes = [];
    private byte[][] fireBytes = [];
    private readonly List<CommandResult> results = new(Batch);
    private readonly List<TimerEvent> events = new(Batch);
    private TimerStateMachine state = new();
    private long nextIndex;

    [Params(0, 100_000, 1_000_000)]
    public int PendingBefore { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        preload = new TimerLogEntry(Sample.StampUnixMs, Sample.Creates(PendingBefore, first: 0, step: 2));
        createBytes = [.. Enumerable.Range(0, Entries).Select(e => LogEntryCodec.Encode(Sample.StampUnixMs, Sample.Creates(Batch, first: 1 + (2 * e * Batch), step: 2)))];
        fireBytes = [.. Enumerable.Range(0, Entries).Select(e => LogEntryCodec.Encode(FireStampUnixMs, Sample.Fires(Batch, first: 1 + (2 * e * Batch), step: 2)))];
        createEntries = [.. createBytes.Select(b => LogEntryCodec.Decode(b))];
        fireEntries = [.. fireBytes.Select(b => LogEntryCodec.Decode(b))];
    }

    [IterationSetup(Targets = [nameof(Apply_256_creates), nameof(Decode_and_apply_256_creates)])]
    public void FreshState()
    {
        state = new TimerStateMachine();
        state.Apply(1, preload);
        nextIndex = 2;
    }

    [IterationSetup(Targets = [nameof(Apply_256_fires), nameof(Decode_and_apply_256_fires)])]
    public void FreshStateWithCreatesApplied()
    {
        FreshState();
        foreach (var entry in createEntries)
            state.Apply(nextIndex++, entry);
    }

    /// <summary>Apply alone, of entries decoded beforehand.</summary>
    [Benchmark(OperationsPerInvoke = Entries)]
    public int Apply_256_creates()
    {
        foreach (var entry in createEntries)
            ApplyOne(entry);
        return state.PendingCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int Apply_256_fires()
    {
        foreach (var entry in fireEntries)
            ApplyOne(entry);
        return state.PendingCount;
    }

    /// <summary>What the apply loop does with a committed entry's bytes (<c>AppliedState.Apply</c>).</summary>
    [Benchmark(OperationsPerInvoke = Entries)]
    public int Decode_and_apply_256_creates()
    {
        foreach (var entry in createBytes)
            ApplyOne(entry);
        return state.PendingCount;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int Decode_and_apply_256_fires()
    {
        foreach (var entry in fireBytes)
            ApplyOne(entry);
        return state.PendingCount;
    }

    // Results and events are collected as on the leader, into lists reused from entry to entry like AppliedState's.
    private void ApplyOne(TimerLogEntry entry)
    {
        results.Clear();
        events.Clear();
        state.Apply(nextIndex++, entry, results, events);
    }

    private void ApplyOne(byte[] entry)
    {
        results.Clear();
        events.Clear();
        state.Apply(nextIndex++, entry, results, events);
    }
}
