using RaftTimers.JepsenLike.Checker;
using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.CheckerTests;

/// <summary>
/// The checker is itself tested: a correct run passes every check, and each kind of broken run is caught
/// by the check meant for it (and only a check that can fail can pass honestly).
/// </summary>
public sealed class CheckerCatchesTests
{
    /// <summary>A correct run: two timers delivered on time, one cancelled, one updated, reads in between.</summary>
    private static RunBuilder Correct() => new RunBuilder()
        .Create("a", 0, 5, timeoutMs: 1000)
        .Op(OpFunction.Get, "a", 10, 12, OpOutcome.Ok, 200, version: 1, state: "pending")
        .Delivered("a", 1, arrived: 1010)
        .Final("a", "delivered", 1, dueAt: 1003)
        .Create("b", 0, 6, timeoutMs: 5000)
        .Op(OpFunction.Cancel, "b", 100, 110, OpOutcome.Ok, 202)
        .Op(OpFunction.Cancel, "b", 200, 205, OpOutcome.Ok, 202)
        .Final("b", "cancelled", 1, dueAt: 5002)
        .Create("c", 0, 4, timeoutMs: 60_000, body: "c1")
        .Op(OpFunction.Update, "c", 50, 60, OpOutcome.Ok, 200, timeoutMs: 500, body: "c2", version: 2)
        .Op(OpFunction.Get, "c", 70, 72, OpOutcome.Ok, 200, version: 2, state: "pending")
        .Delivered("c", 2, arrived: 560, status: 500)
        .Delivered("c", 2, arrived: 800, attempt: 2)
        .Final("c", "delivered", 2, dueAt: 555)
        .Create("d", 0, double.PositiveInfinity, timeoutMs: 100, outcome: OpOutcome.Info); // never took effect

    [Fact]
    public void A_correct_run_passes_every_check()
    {
        var results = RunChecker.Check(Correct().Build());
        Assert.All(results, r => Assert.True(r.Passed, $"{r.Name}: {string.Join("; ", r.Counterexamples)}"));
        var lateness = results.Single(r => r.Name == LatenessReport.Name);
        Assert.Equal(2, lateness.Figures["calmCount"]);
        Assert.Equal(245, lateness.Figures["calmMaxMs"]);
    }

    [Fact]
    public void A_lost_timer_is_caught()
    {
        var run = Correct().Create("lost", 10, 20, timeoutMs: 100).Build();
        AssertCaughtBy(run, NoLostTimersCheck.Name, "lost");
    }

    [Fact]
    public void A_timer_stuck_pending_after_the_heal_is_caught()
    {
        var run = Correct().Create("stuck", 10, 20, timeoutMs: 100).Final("stuck", "pending", 1, dueAt: 115).Build();
        AssertCaughtBy(run, NoLostTimersCheck.Name, "stuck");
    }

    [Fact]
    public void A_double_fire_decision_on_one_node_is_caught()
    {
        var run = Correct().Create("twice", 0, 5, timeoutMs: 100).Delivered("twice", 1, 120)
            .FinalOn("n1", "twice", "delivered", 1, 103, 9, fireCount: 2)
            .FinalOn("n2", "twice", "delivered", 1, 103, 9, fireCount: 2)
            .FinalOn("n3", "twice", "delivered", 1, 103, 9, fireCount: 2)
            .Build();
        AssertCaughtBy(run, FireDecisionCheck.Name, "twice");
    }

    [Fact]
    public void Nodes_that_disagree_on_the_fire_decision_are_caught()
    {
        var run = Correct().Create("split", 0, 5, timeoutMs: 100).Delivered("split", 1, 120)
            .FinalOn("n1", "split", "delivered", 1, 103, 9, fireCount: 1)
            .FinalOn("n2", "split", "delivered", 1, 103, 12, fireCount: 1)
            .FinalOn("n3", "split", "delivered", 1, 103, 9, fireCount: 1)
            .Build();
        AssertCaughtBy(run, FireDecisionCheck.Name, "split");
    }

    [Fact]
    public void An_early_delivery_is_caught()
    {
        var run = Correct().Create("early", 1000, 1004, timeoutMs: 500).Delivered("early", 1, arrived: 1400).Final("early", "delivered", 1, dueAt: 1502).Build();
        AssertCaughtBy(run, NeverEarlyCheck.Name, "early");
    }

    [Fact]
    public void A_delivery_after_an_acknowledged_cancel_is_caught()
    {
        var run = Correct().Create("zombie", 0, 5, timeoutMs: 300)
            .Op(OpFunction.Cancel, "zombie", 100, 110, OpOutcome.Ok, 202)
            .Delivered("zombie", 1, arrived: 310)
            .Final("zombie", "cancelled", 1, dueAt: 302)
            .Build();
        AssertCaughtBy(run, NoDeliveryAfterCancelCheck.Name, "zombie");
    }

    [Fact]
    public void A_delivery_of_a_version_an_acknowledged_update_replaced_is_caught()
    {
        var run = Correct().Create("old", 0, 5, timeoutMs: 300)
            .Op(OpFunction.Update, "old", 100, 110, OpOutcome.Ok, 200, timeoutMs: 1000, body: "b2", version: 2)
            .Delivered("old", 1, arrived: 310)
            .Delivered("old", 2, arrived: 1110)
            .Final("old", "delivered", 2, dueAt: 1105)
            .Build();
        AssertCaughtBy(run, NoDeliveryAfterCancelCheck.Name, "old");
    }

    [Fact]
    public void A_non_linearizable_read_is_caught()
    {
        // The update to version 2 was acknowledged before the read began, yet the read saw version 1.
        var run = Correct().Create("stale", 0, 5, timeoutMs: 60_000)
            .Op(OpFunction.Update, "stale", 10, 20, OpOutcome.Ok, 200, timeoutMs: 60_000, body: "b2", version: 2)
            .Op(OpFunction.Get, "stale", 30, 35, OpOutcome.Ok, 200, version: 1, state: "pending")
            .Final("stale", "pending", 2, dueAt: 60_015)
            .Build(observedUntil: 40);
        AssertCaughtBy(run, LinearizabilityCheck.Name, "stale");
    }

    [Fact]
    public void A_read_that_misses_an_acknowledged_create_is_caught()
    {
        var run = Correct().Create("ghost", 0, 5, timeoutMs: 60_000)
            .Op(OpFunction.Get, "ghost", 10, 12, OpOutcome.Fail, 404)
            .Final("ghost", "pending", 1, dueAt: 60_003)
            .Build(observedUntil: 40);
        AssertCaughtBy(run, LinearizabilityCheck.Name, "ghost");
    }

    [Fact]
    public void Callbacks_of_one_timer_with_different_keys_are_caught_and_same_key_duplicates_are_counted()
    {
        var run = Correct()
            .Create("dup", 0, 5, timeoutMs: 100).Delivered("dup", 1, 110).Delivered("dup", 1, 900).Final("dup", "delivered", 1, 103)
            .Create("twokeys", 0, 5, timeoutMs: 100).Delivered("twokeys", 1, 110).Delivered("twokeys", 1, 120, key: "twokeys:9").Final("twokeys", "delivered", 1, 103)
            .Build();
        var result = RunChecker.Check(run).Single(r => r.Name == DuplicateDeliveryCheck.Name);
        Assert.False(result.Passed);
        Assert.Contains(result.Counterexamples, c => c.StartsWith("twokeys", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Counterexamples, c => c.StartsWith("dup:", StringComparison.Ordinal) || c.StartsWith("dup ", StringComparison.Ordinal));
        Assert.Equal(2, result.Figures["duplicateDeliveries"]);
    }

    private static void AssertCaughtBy(RunRecord run, string checkName, string timerId)
    {
        var results = RunChecker.Check(run);
        var check = results.Single(r => r.Name == checkName);
        Assert.False(check.Passed, $"{checkName} passed a run broken at timer {timerId}");
        Assert.Contains(check.Counterexamples, c => c.StartsWith(timerId, StringComparison.Ordinal));
    }
}
