using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.CheckerTests;

public sealed class HistoryFileTests
{
    [Fact]
    public void Invocations_and_completions_pair_up_by_process_and_an_open_invocation_reads_as_indeterminate()
    {
        var done = new Operation(1, OpFunction.Update, "t", 10, 20, OpOutcome.Ok, 200, Version: 2);
        string[] lines =
        [
            HistoryFile.Invoke(1, OpFunction.Update, "t", 10, timeoutMs: 500, body: "b2"),
            HistoryFile.Invoke(2, OpFunction.Cancel, "u", 12),
            HistoryFile.Complete(done),
        ];

        var ops = HistoryFile.Read(lines);
        Assert.Equal(2, ops.Count);
        var update = ops.Single(o => o.TimerId == "t");
        Assert.Equal((OpOutcome.Ok, 200, 2L, 500L, "b2", 10.0, 20.0), (update.Outcome, update.Status, update.Version!.Value, update.TimeoutMs, update.Body, update.InvokedAtMs, update.CompletedAtMs));
        var open = ops.Single(o => o.TimerId == "u");
        Assert.Equal(OpOutcome.Info, open.Outcome);
        Assert.True(double.IsPositiveInfinity(open.CompletedAtMs));
    }

    [Fact]
    public void A_completion_without_an_invocation_is_an_error()
        => Assert.Throws<FormatException>(() => HistoryFile.Read([HistoryFile.Complete(new Operation(3, OpFunction.Get, "x", 1, 2, OpOutcome.Ok, 200))]));
}
