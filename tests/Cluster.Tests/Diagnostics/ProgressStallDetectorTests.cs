using RaftTimers.Cluster.Diagnostics;

namespace RaftTimers.Tests;

/// <summary>
/// The progress-stalled gauge's rule, fed one sample per second as the node's sampler would: a stall is work waiting
/// with the applied index standing still for the whole threshold, and nothing else — in particular not an idle node.
/// </summary>
public sealed class ProgressStallDetectorTests
{
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(5);

    /// <summary>One sample: at second <c>At</c>, the log's last index, the applied index, proposals waiting; and the decision expected.</summary>
    private readonly record struct Step(int At, long Last, long Applied, int Proposals, bool Stalled);

    private static void Run(params Step[] steps)
    {
        var detector = new ProgressStallDetector(StallAfter);
        foreach (var step in steps)
        {
            var stalled = detector.Observe(TimeSpan.FromSeconds(step.At), new ProgressSample(step.Last, step.Applied, step.Proposals));
            Assert.True(stalled == step.Stalled, $"at {step.At} s (last {step.Last}, applied {step.Applied}, proposals {step.Proposals}): stalled {stalled}, expected {step.Stalled}");
            Assert.Equal(stalled, detector.IsStalled);
        }
    }

    [Fact]
    public void An_idle_node_is_never_stalled_however_long_its_applied_index_stands_still()
        => Run([.. Enumerable.Range(0, 3600).Select(s => new Step(s, 42, 42, 0, false))]);

    [Fact]
    public void Work_arriving_after_a_long_idle_spell_is_not_a_stall_until_it_has_waited_the_whole_threshold()
        => Run(
            new Step(0, 42, 42, 0, false),
            new Step(3600, 42, 42, 0, false),
            new Step(3601, 50, 42, 8, false), // work arrived since the idle sample at 3600: the stall clock runs from there, not from second 0
            new Step(3604, 50, 42, 8, false),
            new Step(3605, 50, 42, 8, true));

    [Fact]
    public void A_busy_node_whose_applied_index_moves_between_samples_is_not_stalled_though_work_always_waits()
        => Run([.. Enumerable.Range(0, 60).Select(s => new Step(s, 1_000 + (s * 500) + 300, 1_000 + (s * 500), 256, false))]);

    [Fact]
    public void Committed_entries_not_applied_for_the_threshold_are_a_stall_that_clears_when_apply_moves_again()
        => Run(
            new Step(0, 100, 100, 0, false),
            new Step(1, 120, 110, 0, false),
            new Step(2, 130, 110, 0, false),
            new Step(5, 130, 110, 0, false),
            new Step(6, 130, 110, 0, true), // no progress since second 1, where the applied index last moved (to 110)
            new Step(7, 130, 110, 0, true),
            new Step(30, 130, 110, 0, true),
            new Step(31, 130, 111, 0, false));

    [Fact]
    public void Entries_that_never_reach_a_majority_are_a_stall_that_clears_once_they_are_gone()
        => Run(
            new Step(0, 200, 200, 0, false),
            new Step(1, 201, 200, 1, false), // a leader cut off: its entry waits for acknowledgements that never come
            new Step(6, 201, 200, 1, true),
            new Step(7, 201, 200, 0, true), // the caller gave up, the entry is still in the log
            new Step(8, 200, 200, 0, false)); // the new leader truncated it: nothing waits any more

    [Fact]
    public void Proposals_waiting_while_nothing_reaches_the_log_are_a_stall_too()
        => Run(
            new Step(0, 300, 300, 0, false),
            new Step(1, 300, 300, 64, false),
            new Step(6, 300, 300, 64, true),
            new Step(7, 300, 300, 0, false));

    [Fact]
    public void A_stall_needs_the_same_applied_index_across_the_whole_threshold_not_just_work_waiting()
        => Run(
            new Step(0, 10, 5, 0, false),
            new Step(4, 20, 9, 0, false),
            new Step(8, 30, 9, 0, false), // 9 first seen at second 4
            new Step(9, 30, 9, 0, true));

    [Fact]
    public void The_threshold_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressStallDetector(TimeSpan.Zero));
        Assert.False(new ProgressStallDetector(StallAfter).IsStalled);
    }
}
