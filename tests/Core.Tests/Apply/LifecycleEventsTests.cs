using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>
/// <see cref="LifecycleEvents.Derive"/>: an event for each command that changed a timer, in command order and numbered
/// within the entry, one for each timer a purge removed, and none for a command that changed nothing.
/// </summary>
public sealed class LifecycleEventsTests
{
    /// <summary>Applies one entry as the apply loop does and derives its events.</summary>
    private static List<LifecycleEvent> Apply(Transcript t, long stamp, params TimerCommand[] commands)
    {
        var results = t.At(stamp, commands);
        var events = new List<LifecycleEvent>();
        LifecycleEvents.Derive(t.Index, t.State.LastStampUnixMs, commands, results, t.Events, events);
        return events;
    }

    private static string Describe(IEnumerable<LifecycleEvent> events)
        => string.Join(" | ", events.Select(e =>
            $"{e.Index}:{e.Position} {LifecycleEvents.Name(e.Kind)} {e.TimerId} v{e.Version}"
            + (e.DueAtUnixMs != 0 ? $" due={e.DueAtUnixMs}" : "") + (e.Attempt != 0 ? $" attempt={e.Attempt}" : "") + (e.Error is null ? "" : $" error={e.Error}")));

    [Fact]
    public void A_timers_whole_life_is_told_in_log_order()
    {
        var t = new Transcript();
        var told = new List<LifecycleEvent>();
        told.AddRange(Apply(t, 1_000, new CreateTimer("a", Specs.Http(10)), new CreateTimer("b", Specs.Http(10)), new CreateTimer("c", Specs.Http(500))));
        told.AddRange(Apply(t, 1_005, new UpdateTimer("b", Specs.Http(20)), new CancelTimer("c")));
        told.AddRange(Apply(t, 1_030, new FireTimer("a", 1), new FireTimer("b", 2)));
        told.AddRange(Apply(t, 1_040, new RecordDelivery("a", 1, 1, DeliveryOutcome.Retry, "HTTP 503"), new RecordDelivery("b", 2, 1, DeliveryOutcome.Delivered, null)));
        told.AddRange(Apply(t, 1_050, new RecordDelivery("a", 1, 2, DeliveryOutcome.Failed, "HTTP 500")));
        told.AddRange(Apply(t, 9_000, new PurgeFinished(1_000)));

        Assert.Equal(
            "1:0 created a v1 due=1010 | 1:1 created b v1 due=1010 | 1:2 created c v1 due=1500"
            + " | 2:0 updated b v2 due=1025 | 2:1 cancelled c v1"
            + " | 3:0 fired a v1 due=1010 | 3:1 fired b v2 due=1025"
            + " | 4:0 retrying a v1 attempt=1 error=HTTP 503 | 4:1 delivered b v2 attempt=1"
            + " | 5:0 failed a v1 attempt=2 error=HTTP 500"
            + " | 6:0 purged c v1 | 6:1 purged b v2 | 6:2 purged a v1",
            Describe(told));
        Assert.All(told.Where(e => e.Index == 4), e => Assert.Equal(1_040, e.StampUnixMs));
    }

    [Fact]
    public void Commands_that_change_nothing_tell_nothing_and_the_rest_are_numbered_without_holes()
    {
        var t = new Transcript();
        Apply(t, 1_000, new CreateTimer("a", Specs.Http(10)));

        var told = Apply(t, 1_001,
            new CreateTimer("a", Specs.Http(10)),         // an idempotent retry
            new CreateTimer("a", Specs.Http(99)),         // a conflict
            new CancelTimer("nobody"),                    // not found
            new FireTimer("a", 1),                        // not due yet: stale
            new UpdateTimer("a", Specs.Http(10), 7),      // another version expected
            new CreateTimer("b", Specs.Http(10)),
            new RecordDelivery("a", 1, 1, DeliveryOutcome.Delivered, null)); // not firing: stale

        Assert.Equal("2:0 created b v1 due=1011", Describe(told));
    }

    [Fact]
    public void Every_kind_has_a_name_that_parses_back()
    {
        foreach (var kind in Enum.GetValues<LifecycleKind>())
        {
            Assert.True(LifecycleEvents.TryParse(LifecycleEvents.Name(kind), out var parsed));
            Assert.Equal(kind, parsed);
        }

        Assert.False(LifecycleEvents.TryParse("executed", out _));
        Assert.Equal(Enum.GetValues<LifecycleKind>().Length, LifecycleEvents.AllNames.Count);
    }
}
