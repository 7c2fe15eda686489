using RaftTimers.JepsenLike.Checker;
using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.CheckerTests;

/// <summary>The linearizability search accepts what concurrency and uncertainty allow, and nothing more.</summary>
public sealed class LinearizabilityTests
{
    private static Operation Op(OpFunction f, double invoked, double completed, OpOutcome outcome, int status,
        string? body = null, long? version = null, string? state = null)
        => new(0, f, "t", invoked, completed, outcome, status, 1000, body, version, state);

    [Fact]
    public void A_read_concurrent_with_an_update_may_see_either_version()
    {
        var create = Op(OpFunction.Create, 0, 5, OpOutcome.Ok, 201, "b1", 1);
        var update = Op(OpFunction.Update, 10, 30, OpOutcome.Ok, 200, "b2", 2);
        Assert.True(LinearizabilityCheck.IsLinearizable([create, update, Op(OpFunction.Get, 15, 20, OpOutcome.Ok, 200, version: 1, state: "pending")]));
        Assert.True(LinearizabilityCheck.IsLinearizable([create, update, Op(OpFunction.Get, 15, 20, OpOutcome.Ok, 200, version: 2, state: "pending")]));
        Assert.False(LinearizabilityCheck.IsLinearizable([create, update, Op(OpFunction.Get, 15, 20, OpOutcome.Ok, 200, version: 3, state: "pending")]));
    }

    [Fact]
    public void An_indeterminate_create_may_take_effect_later_or_never()
    {
        var create = Op(OpFunction.Create, 0, 50, OpOutcome.Info, 0, "b1");
        Assert.True(LinearizabilityCheck.IsLinearizable([create, Op(OpFunction.Get, 100, 101, OpOutcome.Fail, 404)]));
        Assert.True(LinearizabilityCheck.IsLinearizable([create, Op(OpFunction.Get, 100, 101, OpOutcome.Ok, 200, version: 1, state: "pending")]));
        Assert.True(LinearizabilityCheck.IsLinearizable([create,
            Op(OpFunction.Get, 100, 101, OpOutcome.Fail, 404),
            Op(OpFunction.Get, 200, 201, OpOutcome.Ok, 200, version: 1, state: "pending")]));
    }

    [Fact]
    public void Once_seen_a_timer_cannot_vanish()
    {
        Assert.False(LinearizabilityCheck.IsLinearizable([
            Op(OpFunction.Create, 0, 50, OpOutcome.Info, 0, "b1"),
            Op(OpFunction.Get, 100, 101, OpOutcome.Ok, 200, version: 1, state: "pending"),
            Op(OpFunction.Get, 200, 201, OpOutcome.Fail, 404)]));
    }

    [Fact]
    public void A_timer_may_fire_between_operations_but_a_fired_timer_cannot_be_cancelled()
    {
        var create = Op(OpFunction.Create, 0, 5, OpOutcome.Ok, 201, "b1", 1);
        Assert.True(LinearizabilityCheck.IsLinearizable([create, Op(OpFunction.Cancel, 10, 12, OpOutcome.Fail, 404)]));
        Assert.False(LinearizabilityCheck.IsLinearizable([create,
            Op(OpFunction.Get, 10, 12, OpOutcome.Ok, 200, version: 1, state: "delivered"),
            Op(OpFunction.Cancel, 20, 22, OpOutcome.Ok, 202)]));
    }

    [Fact]
    public void A_repeated_cancel_is_answered_as_the_first_was()
    {
        var create = Op(OpFunction.Create, 0, 5, OpOutcome.Ok, 201, "b1", 1);
        var cancel = Op(OpFunction.Cancel, 10, 12, OpOutcome.Ok, 202);
        Assert.True(LinearizabilityCheck.IsLinearizable([create, cancel, Op(OpFunction.Cancel, 20, 22, OpOutcome.Ok, 202)]));
        Assert.False(LinearizabilityCheck.IsLinearizable([create, cancel, Op(OpFunction.Cancel, 20, 22, OpOutcome.Fail, 404)]));
    }

    [Fact]
    public void A_retried_create_with_the_same_body_is_idempotent_and_a_different_body_conflicts()
    {
        var create = Op(OpFunction.Create, 0, 5, OpOutcome.Ok, 201, "b1", 1);
        Assert.True(LinearizabilityCheck.IsLinearizable([create, Op(OpFunction.Create, 10, 12, OpOutcome.Ok, 201, "b1", 1)]));
        Assert.True(LinearizabilityCheck.IsLinearizable([create, Op(OpFunction.Create, 10, 12, OpOutcome.Fail, 409, "b2")]));
        Assert.False(LinearizabilityCheck.IsLinearizable([create, Op(OpFunction.Create, 10, 12, OpOutcome.Ok, 201, "b2", 1)]));
    }
}
