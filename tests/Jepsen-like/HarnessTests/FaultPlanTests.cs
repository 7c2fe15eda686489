using System.Net;
using RaftTimers.JepsenLike.Sink;

namespace RaftTimers.JepsenLike.HarnessTests;

/// <summary>The callback receiver's fault plan and command line: parsed strictly, and applied only inside its windows.</summary>
public sealed class FaultPlanTests
{
    [Fact]
    public void Windows_parse_and_decide_by_time_and_draw()
    {
        var plan = FaultPlan.Parse("1000-2000:error5xx:0.5,3000-4000:drop:1,5000-6000:slow:250,7000-8000:error429:0.5");

        Assert.Equal(SinkDecision.Answer200, plan.Decide(500, 0.0));
        Assert.Equal(new SinkDecision(SinkAction.Error, 503, TimeSpan.Zero), plan.Decide(1500, 0.49));
        Assert.Equal(SinkDecision.Answer200, plan.Decide(1500, 0.5));
        Assert.Equal(new SinkDecision(SinkAction.Drop, 0, TimeSpan.Zero), plan.Decide(3999, 0.99));
        Assert.Equal(new SinkDecision(SinkAction.Slow, 200, TimeSpan.FromMilliseconds(250)), plan.Decide(5000, 0.7));
        Assert.Equal(new SinkDecision(SinkAction.Error, 429, TimeSpan.Zero), plan.Decide(7100, 0.1));
        Assert.Equal(SinkDecision.Answer200, plan.Decide(8000, 0.1)); // windows are [start, end)
    }

    [Fact]
    public void An_empty_plan_answers_200_always()
    {
        Assert.Equal(SinkAction.Ok, FaultPlan.Parse(null).Decide(123, 0).Action);
        Assert.Empty(FaultPlan.Parse(" , ").Windows);
    }

    [Fact]
    public void A_missing_parameter_means_one_second_slow_or_always()
    {
        var plan = FaultPlan.Parse(" 0-10:slow , 10-20:drop ");
        Assert.Equal([new FaultPlanWindow(0, 10, "slow", 1000), new FaultPlanWindow(10, 20, "drop", 1)], plan.Windows);
    }

    [Fact]
    public void Where_windows_overlap_the_first_listed_wins()
        => Assert.Equal(SinkAction.Drop, FaultPlan.Parse("0-100:drop:1,50-150:slow:10").Decide(60, 0.5).Action);

    [Theory]
    [InlineData("2000-1000:drop:0.5")]
    [InlineData("1000-2000:explode:0.5")]
    [InlineData("1000-2000:drop:1.5")]
    [InlineData("1000-2000:drop:NaN")]
    [InlineData("1000-2000:drop:1e-1")]
    [InlineData("1000-2000:drop:0.5:9")]
    [InlineData("1000:drop:0.5")]
    [InlineData("1000-2000")]
    [InlineData("a-b:drop:0.5")]
    [InlineData("-5-10:drop:0.5")]
    [InlineData("1000-2000:slow:-5")]
    [InlineData("1000-2000:slow:Infinity")]
    [InlineData("1000-2000:drop:-Infinity")]
    public void Malformed_plans_are_refused(string text)
        => Assert.Throws<FormatException>(() => FaultPlan.Parse(text));

    [Fact]
    public void The_same_seed_gives_the_same_decisions()
    {
        var plan = FaultPlan.Parse("0-1000:error5xx:0.5");
        var seven = Statuses(plan, 7);

        Assert.Equal(seven, Statuses(plan, 7));
        Assert.NotEqual(seven, Statuses(plan, 8));
        Assert.InRange(seven.Count(s => s == 503), 60, 140); // about half, for P = 0.5
    }

    [Fact]
    public void The_command_line_parses_into_options()
    {
        var options = SinkOptions.Parse(["--listen", "10.201.7.100:7000", "--log", "/tmp/s.jsonl", "--seed", "-3", "--faults", "1-2:drop:0.5"]);

        Assert.Equal(IPEndPoint.Parse("10.201.7.100:7000"), options.Listen);
        Assert.Equal(("/tmp/s.jsonl", -3), (options.LogPath, options.Seed));
        Assert.Single(options.Faults.Windows);
        Assert.Equal(1, SinkOptions.Parse(["--listen", "127.0.0.1:0", "--log", "x"]).Seed);
    }

    [Theory]
    [InlineData("--listen", "127.0.0.1:7000")]
    [InlineData("--listen", "127.0.0.1", "--log", "x")]
    [InlineData("--listen", "localhost:7000", "--log", "x")]
    [InlineData("--listen", "127.0.0.1:7000", "--log", "x", "--seed", "seven")]
    [InlineData("--listen", "127.0.0.1:7000", "--log", "x", "--bogus", "1")]
    [InlineData("--listen", "127.0.0.1:7000", "--log")]
    [InlineData("--listen", "127.0.0.1:7000", "--log", "x", "--faults", "1-2:boom")]
    public void Bad_command_lines_are_refused(params string[] args)
        => Assert.Throws<FormatException>(() => SinkOptions.Parse(args));

    private static List<int> Statuses(FaultPlan plan, int seed)
    {
        var decider = new FaultDecider(plan, seed);
        return Enumerable.Range(0, 200).Select(i => decider.Decide(i).Status).ToList();
    }
}
