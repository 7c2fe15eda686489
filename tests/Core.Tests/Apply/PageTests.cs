using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

public sealed class PageTests
{
    /// <summary>Ids chosen so ordinal order differs from alphabetical and culture order: digits &lt; upper case &lt; '_' &lt; lower case &lt; '~'.</summary>
    private static readonly string[] IdsInOrdinalOrder = ["-x", ".x", "0", "9", "A", "Z", "_", "a", "a-", "a.", "aa", "b", "~"];

    private static Transcript Timers()
    {
        var t = new Transcript();
        var shuffled = IdsInOrdinalOrder.Reverse().ToArray();
        t.At(1_000, shuffled.Select(id => (TimerCommand)new CreateTimer(id, Specs.Http(10))).ToArray());
        // Every other timer fires, so a status filter has something to skip.
        t.At(2_000, IdsInOrdinalOrder.Where((_, i) => i % 2 == 1).Select(id => (TimerCommand)new FireTimer(id, 1)).ToArray());
        return t;
    }

    private static string[] Ids(List<TimerRecord> page) => page.Select(r => r.Id).ToArray();

    [Fact]
    public void Pages_follow_ordinal_id_order_with_next_pointing_at_the_last_id()
    {
        var state = Timers().State;

        var first = state.Page(null, null, 5, out var next);
        Assert.Equal(IdsInOrdinalOrder[..5], Ids(first));
        Assert.Equal("A", next);

        var second = state.Page(next, null, 5, out next);
        Assert.Equal(IdsInOrdinalOrder[5..10], Ids(second));
        Assert.Equal("a.", next);

        var last = state.Page(next, null, 5, out next);
        Assert.Equal(IdsInOrdinalOrder[10..], Ids(last));
        Assert.Null(next);
    }

    [Fact]
    public void A_page_that_ends_exactly_at_the_last_timer_has_no_next()
    {
        var state = Timers().State;

        Assert.Equal(IdsInOrdinalOrder, Ids(state.Page(null, null, IdsInOrdinalOrder.Length, out var next)));
        Assert.Null(next);
    }

    [Fact]
    public void A_status_filter_skips_other_timers_and_pages_over_the_rest()
    {
        var state = Timers().State;
        var firing = IdsInOrdinalOrder.Where((_, i) => i % 2 == 1).ToArray();

        var first = state.Page(null, TimerStatus.Firing, 4, out var next);
        Assert.Equal(firing[..4], Ids(first));
        Assert.Equal(firing[3], next);

        Assert.Equal(firing[4..], Ids(state.Page(next, TimerStatus.Firing, 4, out next)));
        Assert.Null(next);
        Assert.Empty(state.Page(null, TimerStatus.Cancelled, 4, out next));
        Assert.Null(next);
    }

    [Theory]
    [InlineData("a", new[] { "a-", "a.", "aa", "b", "~" })]
    [InlineData("a0", new[] { "aa", "b", "~" })]
    [InlineData(" ", null)]
    [InlineData("~", new string[0])]
    [InlineData("~~", new string[0])]
    public void After_may_name_an_id_that_is_not_there(string after, string[]? expected)
    {
        var page = Timers().State.Page(after, null, 100, out var next);

        Assert.Equal(expected ?? IdsInOrdinalOrder, Ids(page));
        Assert.Null(next);
    }

    [Fact]
    public void An_empty_state_gives_an_empty_page()
    {
        var state = new TimerStateMachine();
        Assert.Empty(state.Page(null, null, 10, out var next));
        Assert.Null(next);
        Assert.Empty(state.Page("a", null, 10, out next));
    }

    [Fact]
    public void A_limit_below_one_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => Timers().State.Page(null, null, 0, out _));

    [Property(MaxTest = 200)]
    public Property Walking_the_pages_visits_every_matching_timer_once_in_order()
    {
        var input =
            from ids in Gen.SubListOf(IdsInOrdinalOrder)
            from limit in Gen.Choose(1, 6)
            from status in Gen.Elements<TimerStatus?>(null, TimerStatus.Pending, TimerStatus.Firing)
            from fired in Gen.SubListOf(ids.ToArray())
            select (Ids: ids.ToArray(), Limit: limit, Status: status, Fired: fired.ToArray());

        return Prop.ForAll(input.ToArbitrary(), c =>
        {
            var t = new Transcript();
            t.At(1_000, c.Ids.Select(id => (TimerCommand)new CreateTimer(id, Specs.Http(1))).ToArray());
            t.At(2_000, c.Fired.Select(id => (TimerCommand)new FireTimer(id, 1)).ToArray());
            var expected = c.Ids.Where(id => c.Status is null || (c.Status == TimerStatus.Firing) == c.Fired.Contains(id)).Order(StringComparer.Ordinal).ToList();

            var seen = new List<string>();
            string? after = null;
            for (var pages = 0; pages <= expected.Count + 1; pages++)
            {
                var page = t.State.Page(after, c.Status, c.Limit, out var next);
                Assert.True(page.Count <= c.Limit, "page over the limit");
                seen.AddRange(page.Select(r => r.Id));
                if (next is null)
                    break;
                Assert.Equal(page[^1].Id, next);
                after = next;
            }

            Assert.Equal(expected, seen);
        });
    }

    [Fact]
    public void A_filter_that_matches_little_gives_short_pages_within_the_scan_budget_and_a_way_on()
    {
        var state = Timers().State;

        // Two timers looked at per page: "-x" (pending) and ".x" (firing), then "0" and "9", ...
        var first = state.Page(null, TimerStatus.Firing, 100, out var next, scanBudget: 2);
        Assert.Equal([".x"], Ids(first));
        Assert.Equal(".x", next);
        var second = state.Page(next, TimerStatus.Firing, 100, out next, scanBudget: 2);
        Assert.Equal(["9"], Ids(second));
        Assert.Equal("9", next);

        // A page of the other status may come back empty, and still says where to go on.
        var none = state.Page(null, TimerStatus.Cancelled, 100, out next, scanBudget: 3);
        Assert.Empty(none);
        Assert.Equal("0", next);
    }

    [Fact]
    public void A_page_stops_at_its_byte_budget_but_always_carries_one_timer()
    {
        var t = new Transcript();
        var big = Specs.Http(10, data: Specs.Text(new string('d', 1000)));
        t.At(1_000, new CreateTimer("a", big), new CreateTimer("b", big), new CreateTimer("c", big));
        var size = TimerStateMachine.RetainedBytes(t.State.Find("a")!);

        var page = t.State.Page(null, null, 100, out var next, byteBudget: 2 * size);
        Assert.Equal(["a", "b"], Ids(page));
        Assert.Equal("b", next);
        Assert.Equal(["c"], Ids(t.State.Page(next, null, 100, out next, byteBudget: 1)));
        Assert.Null(next);
    }

    [Property(MaxTest = 300)]
    public Property Walking_budgeted_pages_visits_every_matching_timer_once_in_order_and_always_moves_on()
    {
        var input =
            from ids in Gen.SubListOf(IdsInOrdinalOrder)
            from limit in Gen.Choose(1, 6)
            from scan in Gen.Choose(1, 5)
            from bytes in Gen.Choose(1, 40)
            from status in Gen.Elements<TimerStatus?>(null, TimerStatus.Pending, TimerStatus.Firing)
            from fired in Gen.SubListOf(ids.ToArray())
            select (Ids: ids.ToArray(), Limit: limit, Scan: scan, Bytes: bytes, Status: status, Fired: fired.ToArray());

        return Prop.ForAll(input.ToArbitrary(), c =>
        {
            var t = new Transcript();
            t.At(1_000, c.Ids.Select(id => (TimerCommand)new CreateTimer(id, Specs.Http(1))).ToArray());
            t.At(2_000, c.Fired.Select(id => (TimerCommand)new FireTimer(id, 1)).ToArray());
            var expected = c.Ids.Where(id => c.Status is null || (c.Status == TimerStatus.Firing) == c.Fired.Contains(id)).Order(StringComparer.Ordinal).ToList();

            var seen = new List<string>();
            string? after = null;
            for (var pages = 0; pages <= c.Ids.Length + 1; pages++)
            {
                var page = t.State.Page(after, c.Status, c.Limit, out var next, c.Scan, c.Bytes);
                Assert.True(page.Count <= c.Limit, "page over the limit");
                seen.AddRange(page.Select(r => r.Id));
                if (next is null)
                    break;
                Assert.True(after is null || string.CompareOrdinal(next, after) > 0, $"no progress past {after}");
                after = next;
            }

            Assert.Equal(expected, seen);
        });
    }
}
