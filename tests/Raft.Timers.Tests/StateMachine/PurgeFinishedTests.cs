using RaftTimers.Commands;
using RaftTimers.Model;

namespace RaftTimers.Tests;

public sealed class PurgeFinishedTests
{
    /// <summary>
    /// "cancelled" finished at 2 000, "delivered" at 3 000, "failed" at 4 000;
    /// "pending" and "firing" are not finished.
    /// </summary>
    private static Transcript Mixed()
    {
        var t = new Transcript();
        t.At(1_000,
            new CreateTimer("cancelled", Specs.Http(10)), new CreateTimer("delivered", Specs.Http(10)),
            new CreateTimer("failed", Specs.Http(10)), new CreateTimer("firing", Specs.Http(10)), new CreateTimer("pending", Specs.Http(1_000_000)));
        t.At(1_500, new FireTimer("delivered", 1), new FireTimer("failed", 1), new FireTimer("firing", 1));
        t.At(2_000, new CancelTimer("cancelled"));
        t.At(3_000, new RecordDelivery("delivered", 1, 1, DeliveryOutcome.Delivered, null));
        t.At(4_000, new RecordDelivery("failed", 1, 1, DeliveryOutcome.Failed, "x"));
        return t;
    }

    private static string[] Ids(Transcript t) => t.State.All.Select(r => r.Id).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Nothing_finished_long_enough_ago_means_nothing_to_purge()
    {
        var t = Mixed();

        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(5_000, new PurgeFinished(3_001)).Outcome);
        Assert.Equal(5, t.State.Count);
    }

    [Fact]
    public void Purge_removes_finished_timers_in_finish_order_up_to_the_retention()
    {
        var t = Mixed();

        // Cutoff 5 000 - 2 000 = 3 000: "cancelled" (2 000) and "delivered" (3 000, exactly at the cutoff) go.
        Assert.Equal(CommandOutcome.Applied, t.One(5_000, new PurgeFinished(2_000)).Outcome);
        Assert.Equal(["failed", "firing", "pending"], Ids(t));

        Assert.Equal(CommandOutcome.Applied, t.One(5_000, new PurgeFinished(1_000)).Outcome);
        Assert.Equal(["firing", "pending"], Ids(t));
        Assert.Empty(t.Events);
    }

    [Fact]
    public void Purge_keeps_pending_and_firing_timers_however_old()
    {
        var t = Mixed();

        t.One(long.MaxValue / 2, new PurgeFinished(0));

        Assert.Equal(["firing", "pending"], Ids(t));
        Assert.Equal(TimerStatus.Firing, t.Timer("firing").Status);
        Assert.Equal(1, t.State.PendingCount);
        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(long.MaxValue / 2, new PurgeFinished(0)).Outcome);
    }

    [Fact]
    public void A_purged_id_is_free_for_a_new_timer_that_is_purged_on_its_own_schedule()
    {
        var t = Mixed();
        t.One(10_000, new PurgeFinished(0));
        t.One(10_000, new CreateTimer("cancelled", Specs.Http(5)));
        t.One(10_100, new CancelTimer("cancelled"));

        t.One(10_150, new PurgeFinished(100));
        Assert.NotNull(t.State.Find("cancelled"));

        t.One(10_200, new PurgeFinished(100));
        Assert.Null(t.State.Find("cancelled"));
    }
}
