using RaftTimers.Core.Lead;

namespace RaftTimers.Tests;

/// <summary>The queue of one term's deliveries: bounded, each timer version once, oldest first.</summary>
public sealed class DeliveryQueueBookkeepingTests
{
    [Fact]
    public void At_most_capacity_run_and_as_many_wait_and_a_version_is_queued_once()
    {
        var queue = new DeliveryQueue(2);
        queue.Start("a", 1);
        queue.Start("a", 1);
        queue.Start("b", 1);
        Assert.Equal(2, queue.WaitingCount);

        queue.Start("c", 1); // full: turned away, the leader offers it later
        Assert.False(queue.IsKnown("c", 1));
        Assert.True(queue.NeedsRefill);

        Assert.True(queue.TryTake(out var first));
        Assert.True(queue.TryTake(out var second));
        Assert.Equal([("a", 1L), ("b", 1L)], new[] { first, second });
        Assert.Equal(2, queue.Room);

        queue.Offer("c", 1);
        Assert.False(queue.TryTake(out _)); // two under way already
        Assert.True(queue.IsKnown("a", 1));
        queue.Done("a", 1);
        Assert.False(queue.IsKnown("a", 1));
        Assert.True(queue.TryTake(out var third));
        Assert.Equal(("c", 1L), third);
    }

    [Fact]
    public void Another_version_of_a_timer_is_a_delivery_of_its_own()
    {
        var queue = new DeliveryQueue(4);
        queue.Start("a", 1);
        queue.Start("a", 2);
        Assert.Equal(2, queue.WaitingCount);
    }

    [Fact]
    public void While_a_refill_is_asked_for_new_fires_wait_for_the_offer_and_offers_are_taken()
    {
        var queue = new DeliveryQueue(4);
        queue.RequestRefill();
        queue.Start("new", 1);
        Assert.False(queue.IsKnown("new", 1));
        queue.Offer("old", 1);
        Assert.True(queue.IsKnown("old", 1));

        queue.Refilled();
        queue.Start("new", 1);
        Assert.True(queue.IsKnown("new", 1));
    }

    [Fact]
    public void Dropping_the_waiting_ones_forgets_them_and_keeps_those_under_way()
    {
        var queue = new DeliveryQueue(1);
        queue.Start("a", 1);
        Assert.True(queue.TryTake(out _));
        queue.Offer("b", 1);

        queue.DropWaiting();

        Assert.Equal(0, queue.WaitingCount);
        Assert.False(queue.IsKnown("b", 1));
        Assert.True(queue.IsKnown("a", 1));
        Assert.Equal(1, queue.RunningCount);
    }
}
