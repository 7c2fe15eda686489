using RaftTimers.JepsenLike.Sink;

namespace RaftTimers.JepsenLike.HarnessTests;

/// <summary>The callback receiver's fault plan: parsed strictly, and applied only inside its windows.</summary>
public sealed class FaultPlanTests
{
    [Fact]
    public void Windows_parse_and_decide_by_time_and_draw()
    {
        var plan = FaultPlan.Parse("1000-2000:error5xx:0.5,3000-4000:drop:1,5000-6000:slow:250,7000-8000:error429:0.5");

        Assert.Equal(new SinkDecision(SinkAction.Ok, 200, TimeSpan.Zero), plan.Decide(500, 0.0));
        Assert.Equal(new SinkDecision(SinkAction.Error, 503, TimeSpan.Zero), plan.Decide(1500, 0.49));
        Assert.Equal(new SinkDecision(SinkAction.Ok, 200, TimeSpan.Zero), plan.Decide(1500, 0.5));
        Assert.Equal(new SinkDecision(SinkAction.Drop, 0, TimeSpan.Zero), plan.Decide(3999, 0.99));
        Assert.Equal(new SinkDecision(SinkAction.Slow, 200, TimeSpan.FromMilliseconds(250)), plan.Decide(5000, 0.7));
        Assert.Equal(new SinkDecision(SinkAction.Error, 429, TimeSpan.Zero), plan.Decide(7100, 0.1));
        Assert.Equal(new SinkDecision(SinkAction.Ok, 200, TimeSpan.Zero), plan.Decide(8000, 0.1)); // windows are [start, end)
    }

    [Fact]
    public void An_empty_plan_answers_200_always()
        => Assert.Equal(SinkAction.Ok, FaultPlan.Parse(null).Decide(123, 0).Action);

    [Theory]
    [InlineData("2000-1000:drop:0.5")]
    [InlineData("1000-2000:explode:0.5")]
    [InlineData("1000-2000:drop:1.5")]
    [InlineData("1000:drop:0.5")]
    [InlineData("a-b:drop:0.5")]
    [InlineData("1000-2000:slow:-5")]
    public void Malformed_plans_are_refused(string text)
        => Assert.Throws<FormatException>(() => FaultPlan.Parse(text));
}
