using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Events;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// <see cref="EventJournal"/> as <see cref="AppliedState"/> feeds it: events in log order, read after any place it
/// holds, filtered; the oldest entries go whole when it is full, and a reader behind them (or behind a snapshot that
/// replaced the state) is refused instead of handed a gap; a waiting reader wakes with the next event.
/// </summary>
public sealed class EventJournalTests
{
    private static readonly TimerSpec Spec = new(1_000, new CallbackSpec("http", "post", "http://10.0.0.1/"), TimerData.None);

    private static void Entry(AppliedState store, long index, params TimerCommand[] commands)
        => store.Apply(index, LogEntryCodec.Encode(1_000 + index, commands), null);

    private static string Ids(IEnumerable<LifecycleEvent>? events)
        => events is null ? "gone" : string.Join(" ", events.Select(e => $"{e.Index}:{e.Position}:{LifecycleEvents.Name(e.Kind)}:{e.TimerId}"));

    private static List<LifecycleEvent>? ReadAll(EventJournal journal, EventCursor after, out EventCursor next)
        => journal.Read(after, _ => true, int.MaxValue, int.MaxValue, out next);

    [Fact]
    public void Applied_entries_are_read_in_log_order_after_any_place_and_empty_entries_move_the_end()
    {
        var store = new AppliedState();
        Entry(store, 1, new CreateTimer("a", Spec), new CreateTimer("b", Spec));
        store.Skip(2);
        Entry(store, 3, new CancelTimer("a"), new CancelTimer("nobody"));

        var journal = store.Journal;
        Assert.Equal("1:0:created:a 1:1:created:b 3:0:cancelled:a", Ids(ReadAll(journal, EventCursor.AfterEntry(0), out _)));
        Assert.Equal("1:1:created:b 3:0:cancelled:a", Ids(ReadAll(journal, new EventCursor(1, 0), out _)));
        Assert.Equal("3:0:cancelled:a", Ids(ReadAll(journal, EventCursor.AfterEntry(1), out _)));
        Assert.Equal("", Ids(ReadAll(journal, new EventCursor(3, 0), out var next)));
        Assert.Equal(new EventCursor(3, 0), next);

        store.Skip(4);
        Assert.Equal("", Ids(ReadAll(journal, new EventCursor(3, 0), out next)));
        Assert.Equal(EventCursor.AfterEntry(4), next);
    }

    [Fact]
    public void A_filter_and_the_limits_leave_the_cursor_past_what_was_looked_at()
    {
        var store = new AppliedState();
        Entry(store, 1, new CreateTimer("a1", Spec), new CreateTimer("b1", Spec), new CreateTimer("a2", Spec), new CreateTimer("b2", Spec));

        var taken = store.Journal.Read(EventCursor.AfterEntry(0), e => e.TimerId.StartsWith('b'), max: 1, scanBudget: 100, out var next);
        Assert.Equal("1:1:created:b1", Ids(taken));
        Assert.Equal(new EventCursor(1, 1), next);

        taken = store.Journal.Read(next, e => e.TimerId.StartsWith('b'), max: 10, scanBudget: 1, out next);
        Assert.Equal("", Ids(taken));
        Assert.Equal(new EventCursor(1, 2), next);
    }

    [Fact]
    public void When_full_the_oldest_entries_go_whole_and_a_reader_behind_them_is_refused()
    {
        var store = new AppliedState(retainedEvents: 3);
        Entry(store, 1, new CreateTimer("a", Spec), new CreateTimer("b", Spec));
        Entry(store, 2, new CreateTimer("c", Spec));
        Entry(store, 3, new CreateTimer("d", Spec));
        var journal = store.Journal;

        // Four events for three places: entry 1 went whole, not just its first event.
        Assert.Equal(1, journal.Floor);
        Assert.Equal(2, journal.Count);
        Assert.Null(ReadAll(journal, EventCursor.AfterEntry(0), out _));
        Assert.Null(ReadAll(journal, new EventCursor(1, 0), out _));
        Assert.Equal("2:0:created:c 3:0:created:d", Ids(ReadAll(journal, EventCursor.AfterEntry(1), out _)));

        // An entry larger than the journal is kept whole, alone.
        Entry(store, 4, new CreateTimer("e", Spec), new CreateTimer("f", Spec), new CreateTimer("g", Spec), new CreateTimer("h", Spec));
        Assert.Equal(3, journal.Floor);
        Assert.Equal("4:0:created:e 4:1:created:f 4:2:created:g 4:3:created:h", Ids(ReadAll(journal, EventCursor.AfterEntry(3), out _)));
    }

    [Fact]
    public void A_state_replaced_by_a_snapshot_starts_the_journal_again_at_its_index()
    {
        var store = new AppliedState();
        Entry(store, 1, new CreateTimer("a", Spec));
        var snapshot = new TimerStateMachine();
        snapshot.Apply(1, new TimerLogEntry(1_001, [new CreateTimer("a", Spec)]));
        snapshot.Apply(9, new TimerLogEntry(1_009, [new CreateTimer("z", Spec)]));

        store.Replace(snapshot);
        Entry(store, 10, new CancelTimer("z"));

        Assert.Equal(9, store.Journal.Floor);
        Assert.Null(ReadAll(store.Journal, EventCursor.AfterEntry(1), out _));
        Assert.Null(ReadAll(store.Journal, new EventCursor(9, 0), out _));
        Assert.Equal("10:0:cancelled:z", Ids(ReadAll(store.Journal, EventCursor.AfterEntry(9), out _)));
    }

    [Fact]
    public async Task A_waiting_reader_wakes_with_the_next_event_and_not_before()
    {
        var store = new AppliedState();
        Entry(store, 1, new CreateTimer("a", Spec));

        Assert.True(store.Journal.WaitAsync(EventCursor.AfterEntry(0), CancellationToken.None).IsCompleted);
        var waiting = store.Journal.WaitAsync(new EventCursor(1, 0), CancellationToken.None);
        store.Skip(2);
        Assert.False(waiting.IsCompleted);

        Entry(store, 3, new CancelTimer("a"));
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("12:3", 12L, 3)]
    [InlineData("12", 12L, EventCursor.WholeEntry)]
    [InlineData("0", 0L, EventCursor.WholeEntry)]
    public void An_event_id_parses_and_prints_back(string text, long index, int position)
    {
        Assert.True(EventCursor.TryParse(text, out var cursor));
        Assert.Equal(new EventCursor(index, position), cursor);
        Assert.Equal(text, cursor.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1:-1")]
    [InlineData("1:")]
    [InlineData(":1")]
    [InlineData("1:2:3")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    [InlineData("1:2147483647")]
    public void A_malformed_event_id_does_not_parse(string text) => Assert.False(EventCursor.TryParse(text, out _));
}
