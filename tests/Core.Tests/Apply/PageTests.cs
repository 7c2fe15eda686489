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
}
