using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// Pause and resume in the state machine: a paused timer does not fire however due, still counts as pending, may be
/// replaced (staying paused) or cancelled; a resume makes it due as before (at once when that passed); both repeat
/// harmlessly; only pending and paused timers take them. Paused timers snapshot in format 5.
/// </summary>
public sealed class PauseResumeTests
{
    [Fact]
    public void A_paused_timer_does_not_fire_however_due_and_fires_once_resumed()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("p", Specs.Http(100)));

        Assert.Equal(CommandOutcome.Applied, t.One(1_050, new PauseTimer("p")).Outcome);
        Assert.Equal([new TimerUnscheduled("p")], t.Events);
        Assert.Equal((TimerStatus.Paused, 1, 0), (t.Timer("p").Status, t.State.PendingCount, t.State.FiringCount));
        Assert.Equal(CommandOutcome.Stale, t.One(5_000, new FireTimer("p", 1)).Outcome);
        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(5_001, new PauseTimer("p")).Outcome);
        Assert.Empty(t.State.WithStatus(TimerStatus.Pending));

        var resumed = t.One(6_000, new ResumeTimer("p"));
        Assert.Equal((CommandOutcome.Applied, 1_100L), (resumed.Outcome, resumed.DueAtUnixMs));
        Assert.Equal([new TimerScheduled("p", 1, 1_100)], t.Events);
        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(6_001, new ResumeTimer("p")).Outcome);
        Assert.Equal(CommandOutcome.Applied, t.One(6_002, new FireTimer("p", 1)).Outcome);
        Assert.Equal(TimerStatus.Firing, t.Timer("p").Status);
    }

    [Fact]
    public void Only_pending_and_paused_timers_take_a_pause_or_a_resume()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("firing", Specs.Http(10)), new CreateTimer("done", Specs.Http(10)));
        t.At(1_010, new FireTimer("firing", 1), new FireTimer("done", 1));
        t.At(1_020, new RecordDelivery("done", 1, 1, DeliveryOutcome.Delivered, null));

        var results = t.At(1_030, new PauseTimer("firing"), new PauseTimer("done"), new PauseTimer("nobody"), new ResumeTimer("done"), new ResumeTimer("nobody"));

        Assert.All(results, r => Assert.Equal(CommandOutcome.NotFound, r.Outcome));
    }

    [Fact]
    public void A_paused_timer_may_be_replaced_staying_paused_or_cancelled()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("p", Specs.Http(100)), new CreateTimer("c", Specs.Http(100)));
        t.At(1_001, new PauseTimer("p"), new PauseTimer("c"));

        Assert.Equal(CommandOutcome.Applied, t.One(2_000, new UpdateTimer("p", Specs.Http(500))).Outcome);
        Assert.Equal((TimerStatus.Paused, 2L, 2_500L), (t.Timer("p").Status, t.Timer("p").Version, t.Timer("p").DueAtUnixMs));
        Assert.Empty(t.Events);

        Assert.Equal(CommandOutcome.Applied, t.One(2_001, new CancelTimer("c")).Outcome);
        Assert.Equal((TimerStatus.Cancelled, 1, 1), (t.Timer("c").Status, t.State.PendingCount, t.State.FinishedCount));
    }

    [Fact]
    public void Paused_timers_snapshot_in_format_5_and_come_back_paused_and_counted()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("p", Specs.Http(100)), new CreateTimer("q", Specs.Http(100)));
        t.At(1_001, new PauseTimer("p"));

        var bytes = SnapshotCodec.Write(t.State);
        Assert.Equal(5, bytes[4]);
        var restored = new TimerStateMachine();
        SnapshotCodec.Read(bytes, restored);
        Assert.Equal((TimerStatus.Paused, 2), (restored.Find("p")!.Status, restored.PendingCount));
        Assert.Equal(bytes, SnapshotCodec.Write(restored));

        // Once nothing is paused, the snapshot is format 1 again, which older builds read.
        t.At(1_002, new ResumeTimer("p"));
        Assert.Equal(1, SnapshotCodec.Write(t.State)[4]);
    }

    [Fact]
    public void A_paused_status_in_an_older_snapshot_format_is_corrupt()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("p", Specs.Http(100)));
        t.At(1_001, new PauseTimer("p"));
        var bytes = SnapshotCodec.Write(t.State);
        bytes[4] = 1;

        var e = Assert.Throws<CodecException>(() => SnapshotCodec.Read(bytes, new TimerStateMachine()));
        Assert.Contains("unknown timer status 6 in snapshot format 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pause_and_resume_are_commands_7_and_8_byte_for_byte_and_need_level_6()
    {
        TimerCommand[] commands = [new PauseTimer("r1"), new ResumeTimer("r1")];
        // Derived by hand: kind, version 1, payload length 3, the id as a string.
        const string Hex = "017B68E5CF8B01000002" + "070103027231" + "080103027231";

        Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(1_700_000_000_123, commands)));
        CommandAssert.Equal(commands, LogEntryCodec.Decode(Convert.FromHexString(Hex)).Commands);
        Assert.All(commands, c => Assert.Equal(LogLevels.PauseResume, LogLevels.Needed(c)));
    }

    [Fact]
    public void A_pause_and_a_resume_are_told_as_lifecycle_events()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("p", Specs.Http(100)));
        TimerCommand[] commands = [new PauseTimer("p"), new ResumeTimer("p")];
        var results = t.At(2_000, commands);
        var told = new List<LifecycleEvent>();
        LifecycleEvents.Derive(t.Index, 2_000, commands, results, t.Events, told);

        Assert.Equal([(LifecycleKind.Paused, 0L), (LifecycleKind.Resumed, 1_100L)], told.Select(e => (e.Kind, e.DueAtUnixMs)));
    }
}
