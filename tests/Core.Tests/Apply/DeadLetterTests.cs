using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// The dead-letter notice in the state machine: a timer with a dead-letter target that ends failed is failed at once and
/// owes its notice, which the log records like a firing (own attempts, stale results refused, a leader finds it among
/// the deliveries owed); a re-drive starts over; a purge keeps the timer until its notice ended; a snapshot holds it all.
/// </summary>
public sealed class DeadLetterTests
{
    private static readonly CallbackSpec Target = new("http", "post", "http://127.0.0.1:9100/dead");

    private static TimerSpec WithTarget(long timeoutMs) => Specs.Http(timeoutMs) with { DeadLetter = Target };

    private static RecordDelivery Notice(string id, int attempt, DeliveryOutcome outcome, string? error = null, int run = 0)
        => new(id, 1, attempt, outcome, error) { DeadLetter = true, Run = run };

    /// <summary>"a" with a target and "b" without both fail their firing at 2000.</summary>
    private static Transcript BothFailedAt2000()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("a", WithTarget(10)), new CreateTimer("b", Specs.Http(10)));
        t.At(1_010, new FireTimer("a", 1), new FireTimer("b", 1));
        t.At(2_000, new RecordDelivery("a", 1, 5, DeliveryOutcome.Failed, "HTTP 500"), new RecordDelivery("b", 1, 5, DeliveryOutcome.Failed, "HTTP 500"));
        return t;
    }

    [Fact]
    public void A_timer_with_a_target_is_failed_at_once_and_owes_its_notice_one_without_owes_nothing()
    {
        var t = BothFailedAt2000();

        var (a, b) = (t.Timer("a"), t.Timer("b"));
        Assert.Equal((TimerStatus.Failed, DeadLetterState.Pending, 2_000L, "HTTP 500"), (a.Status, a.DeadLetter, a.FinishedAtUnixMs, a.LastError));
        Assert.Equal((TimerStatus.Failed, DeadLetterState.None), (b.Status, b.DeadLetter));
        Assert.Equal((2, 1), (t.State.FinishedCount, t.State.FiringCount));
        var owed = t.State.SomeFiring((_, _) => false, 10, out var more);
        Assert.Equal(["a"], owed.Select(r => r.Id));
        Assert.False(more);
    }

    [Fact]
    public void The_notices_results_are_recorded_like_a_firings_and_a_stale_one_changes_nothing()
    {
        var t = BothFailedAt2000();

        Assert.Equal(CommandOutcome.Applied, t.One(2_100, Notice("a", 1, DeliveryOutcome.Retry, "HTTP 503")).Outcome);
        Assert.Equal((DeadLetterState.Pending, 1, "HTTP 503"), (t.Timer("a").DeadLetter, t.Timer("a").DeadLetterAttempts, t.Timer("a").DeadLetterError));
        Assert.Equal(CommandOutcome.Stale, t.One(2_150, Notice("a", 1, DeliveryOutcome.Retry, "again")).Outcome);
        // The firing's last result proposed again late touches neither the timer nor its notice.
        Assert.Equal(CommandOutcome.Stale, t.One(2_160, new RecordDelivery("a", 1, 5, DeliveryOutcome.Failed, "HTTP 500")).Outcome);
        // A notice result for a timer that owes none, of another version, or of another run is stale too.
        var stale = t.At(2_170, Notice("b", 1, DeliveryOutcome.Delivered), Notice("a", 2, DeliveryOutcome.Delivered) with { Version = 2 },
            Notice("a", 2, DeliveryOutcome.Delivered, run: 1), Notice("nobody", 1, DeliveryOutcome.Delivered));
        Assert.Equal([CommandOutcome.Stale, CommandOutcome.Stale, CommandOutcome.Stale, CommandOutcome.NotFound], stale.Select(r => r.Outcome));
        Assert.Equal(DeadLetterState.None, t.Timer("b").DeadLetter);

        Assert.Equal(CommandOutcome.Applied, t.One(2_200, Notice("a", 2, DeliveryOutcome.Delivered)).Outcome);
        var a = t.Timer("a");
        Assert.Equal((TimerStatus.Failed, DeadLetterState.Delivered, 2, "HTTP 500", 2_000L), (a.Status, a.DeadLetter, a.DeadLetterAttempts, a.LastError, a.FinishedAtUnixMs));
        Assert.Equal(0, t.State.FiringCount);
        Assert.Equal(CommandOutcome.Stale, t.One(2_300, Notice("a", 3, DeliveryOutcome.Failed, "late")).Outcome);
        Assert.Equal(DeadLetterState.Delivered, t.Timer("a").DeadLetter);
    }

    [Fact]
    public void A_notice_whose_attempts_ran_out_ends_failed_with_its_reason()
    {
        var t = BothFailedAt2000();
        t.At(2_100, Notice("a", 5, DeliveryOutcome.Failed, "no answer within 10000 ms"));

        var a = t.Timer("a");
        Assert.Equal((DeadLetterState.Failed, 5, "no answer within 10000 ms", "HTTP 500"), (a.DeadLetter, a.DeadLetterAttempts, a.DeadLetterError, a.LastError));
        Assert.Equal(0, t.State.FiringCount);
    }

    [Fact]
    public void A_redrive_starts_over_and_a_notice_result_of_the_earlier_run_is_stale()
    {
        var t = BothFailedAt2000();
        t.At(2_100, Notice("a", 1, DeliveryOutcome.Retry, "HTTP 503"));
        var firstNotice = t.Timer("a") with { IsDeadLetterNotice = true };

        t.At(3_000, new RedriveTimer("a"));
        var a = t.Timer("a");
        Assert.Equal((TimerStatus.Firing, DeadLetterState.None, 0, (string?)null), (a.Status, a.DeadLetter, a.DeadLetterAttempts, a.DeadLetterError));
        Assert.Equal(1, t.State.FiringCount);
        Assert.Equal(CommandOutcome.Stale, t.One(3_050, Notice("a", 2, DeliveryOutcome.Delivered)).Outcome);

        t.At(4_000, new RecordDelivery("a", 1, 1, DeliveryOutcome.Failed, "HTTP 410") { Run = 1 });
        a = t.Timer("a");
        Assert.Equal((TimerStatus.Failed, DeadLetterState.Pending, 0), (a.Status, a.DeadLetter, a.DeadLetterAttempts));
        // The same firing, so the same key; each run's notice has a key of its own.
        var secondNotice = a with { IsDeadLetterNotice = true };
        Assert.Equal(firstNotice.FiringKey, secondNotice.FiringKey);
        Assert.Equal((firstNotice.FiringKey + ":dead-letter:0", firstNotice.FiringKey + ":dead-letter:1"), (firstNotice.IdempotencyKey, secondNotice.IdempotencyKey));
        Assert.Equal(CommandOutcome.Applied, t.One(4_100, Notice("a", 1, DeliveryOutcome.Delivered, run: 1)).Outcome);
    }

    [Fact]
    public void A_purge_keeps_a_failed_timer_until_its_notice_ended_and_those_behind_it_wait()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("a", WithTarget(10)), new CreateTimer("b", Specs.Http(10)), new CreateTimer("c", Specs.Http(10)));
        t.At(1_010, new FireTimer("a", 1), new FireTimer("b", 1), new FireTimer("c", 1));
        t.At(2_000, new RecordDelivery("a", 1, 1, DeliveryOutcome.Failed, "HTTP 400"));
        t.At(2_001, new RecordDelivery("b", 1, 1, DeliveryOutcome.Failed, "HTTP 400"), new RecordDelivery("c", 1, 1, DeliveryOutcome.Delivered, null));

        var purge = new PurgeFinished(0, new FinishedBounds(0, 0, 100)) { FailedRetentionMs = 0 };
        Assert.Equal(1, t.One(3_000, purge).Purged);
        Assert.Null(t.State.Find("c"));
        Assert.NotNull(t.State.Find("a"));
        Assert.NotNull(t.State.Find("b"));

        t.At(3_100, Notice("a", 1, DeliveryOutcome.Delivered));
        Assert.Equal(2, t.One(3_200, purge).Purged);
        Assert.Equal(0, t.State.Count);
    }

    [Fact]
    public void A_snapshot_holds_where_each_notice_stands_and_a_restored_node_goes_on_alike()
    {
        var live = BothFailedAt2000();
        live.At(2_100, Notice("a", 1, DeliveryOutcome.Retry, "HTTP 503"));
        var bytes = SnapshotCodec.Write(live.State);
        Assert.Equal(6, SnapshotCodec.ReadHeader(bytes).Format);

        var restored = new TimerStateMachine();
        SnapshotCodec.Read(bytes, restored);
        Assert.Equal(live.Timer("a"), restored.Find("a"));
        Assert.Equal((live.State.FiringCount, live.State.FinishedCount, live.State.FinishedBytes), (restored.FiringCount, restored.FinishedCount, restored.FinishedBytes));

        var next = Notice("a", 2, DeliveryOutcome.Delivered);
        var restoredResults = new List<CommandResult>();
        restored.Apply(live.Index + 1, LogEntryCodec.Encode(2_200, [next]), restoredResults);
        Assert.Equal(live.One(2_200, next), restoredResults[0]);
        Assert.Equal(live.Timer("a"), restored.Find("a"));
        Assert.Equal(0, restored.FiringCount);
    }

    [Fact]
    public void A_state_without_dead_letters_keeps_the_older_snapshot_format()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("b", Specs.Http(10)));
        Assert.True(SnapshotCodec.ReadHeader(SnapshotCodec.Write(t.State)).Format < 6);
    }

    [Fact]
    public void A_snapshot_saying_a_notice_is_owed_by_a_timer_that_cannot_owe_one_is_refused()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("a", WithTarget(10)));
        var bytes = SnapshotCodec.Write(t.State);
        // The record ends with redrives 00, then dead-letter state 00, attempts 00 and no error (00): make the state pending.
        Assert.Equal("00000000", Convert.ToHexString(bytes[^4..]));
        bytes[^3] = (byte)DeadLetterState.Pending;

        var e = Assert.Throws<CodecException>(() => SnapshotCodec.Read(bytes, new TimerStateMachine()));
        Assert.Contains("does not fit its status", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_stream_tells_the_notices_end_not_its_retries()
    {
        var t = BothFailedAt2000();
        var events = new List<LifecycleEvent>();
        foreach (var (stamp, command) in new (long, TimerCommand)[]
                 {
                     (2_100, Notice("a", 1, DeliveryOutcome.Retry, "HTTP 503")),
                     (2_200, Notice("a", 2, DeliveryOutcome.Failed, "HTTP 503")),
                 })
        {
            var results = t.At(stamp, command);
            LifecycleEvents.Derive(t.Index, stamp, [command], results, t.Events, events);
        }

        var only = Assert.Single(events);
        Assert.Equal((LifecycleKind.DeadLetterFailed, "a", 2, "HTTP 503"), (only.Kind, only.TimerId, only.Attempt, only.Error));
        Assert.Equal("deadLetterFailed", LifecycleEvents.Name(only.Kind));
        Assert.True(LifecycleEvents.TryParse("deadLettered", out var delivered) && delivered == LifecycleKind.DeadLettered);
    }

    [Fact]
    public void Dead_letters_are_written_only_once_every_member_reads_them()
    {
        Assert.Equal(LogLevels.DeadLetters, LogLevels.Needed(new CreateTimer("a", WithTarget(10))));
        Assert.Equal(LogLevels.DeadLetters, LogLevels.Needed(new UpdateTimer("a", WithTarget(10))));
        Assert.Equal(LogLevels.DeadLetters, LogLevels.Needed(Notice("a", 1, DeliveryOutcome.Delivered)));
        Assert.Equal(LogLevels.Base, LogLevels.Needed(new RecordDelivery("a", 1, 1, DeliveryOutcome.Failed, null)));
        Assert.True(LogLevels.DeadLetters <= LogLevels.Current, "this build reads what it may write");
    }

    [Fact]
    public void The_target_is_part_of_the_spec_so_a_create_again_with_another_is_a_conflict()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("a", WithTarget(10_000)));
        var results = t.At(1_001, new CreateTimer("a", WithTarget(10_000)), new CreateTimer("a", Specs.Http(10_000)),
            new CreateTimer("a", Specs.Http(10_000) with { DeadLetter = new CallbackSpec("http", "put", Target.Uri) }));
        Assert.Equal([CommandOutcome.AlreadyApplied, CommandOutcome.Conflict, CommandOutcome.Conflict], results.Select(r => r.Outcome));
    }
}

/// <summary>
/// Pins create version 5 (<c>spec5</c>: a dead-letter target as spec field 3) and delivery result version 4 (of a
/// dead-letter notice), as <see cref="ScheduleGoldenTests"/> pins version 4.
/// </summary>
public sealed class DeadLetterGoldenTests
{
    private const long Stamp = 1_700_000_000_123;

    private static readonly TimerCommand[] Commands =
    [
        new CreateTimer("d1", new TimerSpec(5_000, new CallbackSpec("http", "post", "http://h/"), TimerData.None)
        {
            DeadLetter = new CallbackSpec("http", "post", "http://d/"),
        }),
        new RecordDelivery("d1", 1, 1, DeliveryOutcome.Failed, "x") { DeadLetter = true },
    ];

    // Derived by hand before the code ran: create (01) version 05, 51 bytes: id "d1", due kind 01 (a timeout) 5000
    // (88 27), "http", "post", the uri, no data, one field: tag 03, 20 bytes: "http", "post", "http://d/". Then the
    // delivery result (05) version 04, 11 bytes: "d1", version 1, attempt 1, failed (03), error "x", occurrence 0, run 0.
    private const string Hex =
        "017B68E5CF8B01000002" + "010533" + "026431" + "01" + "8827" + "0468747470" + "04706F7374" + "09687474703A2F2F682F" + "0000"
        + "01" + "0314" + "0468747470" + "04706F7374" + "09687474703A2F2F642F"
        + "05040B" + "026431" + "01" + "01" + "03" + "010178" + "0000";

    [Fact]
    public void A_dead_letter_target_and_a_notices_result_are_written_byte_for_byte()
        => Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(Stamp, Commands)));

    [Fact]
    public void They_decode_to_the_same_commands()
    {
        var decoded = LogEntryCodec.Decode(Convert.FromHexString(Hex)).Commands;
        CommandAssert.Equal(Commands, decoded);
        Assert.Equal(new CallbackSpec("http", "post", "http://d/"), ((CreateTimer)decoded[0]).Spec.DeadLetter);
        Assert.True(((RecordDelivery)decoded[1]).DeadLetter);
    }

    [Fact]
    public void A_dead_letter_field_in_an_older_spec_format_is_refused()
    {
        // The same create as version 4 (spec4 knows tags 1 and 2 only).
        var e = Assert.Throws<CodecException>(() => LogEntryCodec.Decode(Convert.FromHexString(Hex.Replace("010533", "010433", StringComparison.Ordinal))));
        Assert.Contains("unknown spec field 3", e.Message, StringComparison.Ordinal);
    }
}
