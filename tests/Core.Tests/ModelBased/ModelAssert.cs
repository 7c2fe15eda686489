using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>Compares the state machine with the reference model.</summary>
internal static class ModelAssert
{
    public static void SameResult(ModelResult expected, CommandResult actual, TimerCommand command, string where)
    {
        var what = $"{where} {CommandAssert.Describe(command)}";
        Assert.True(expected.Outcome == actual.Outcome, $"{what}: model says {expected.Outcome}, state machine says {actual.Outcome} ({actual.Reason})");

        // A result reports the timer's version and due time when there is a timer to report on.
        if (expected.Outcome != CommandOutcome.NotFound && command is not PurgeFinished)
        {
            Assert.True((expected.Version, expected.DueAt) == (actual.Version, actual.DueAtUnixMs),
                $"{what}: model reports v{expected.Version} due {expected.DueAt}, state machine v{actual.Version} due {actual.DueAtUnixMs}");
        }
    }

    public static void SameState(TimerModel model, TimerStateMachine state, string where)
    {
        Assert.True(model.LastIndex == state.LastAppliedIndex, $"{where}: last index {model.LastIndex} vs {state.LastAppliedIndex}");
        Assert.True(model.LastStamp == state.LastStampUnixMs, $"{where}: last stamp {model.LastStamp} vs {state.LastStampUnixMs}");
        Assert.True(model.Timers.Count == state.Count,
            $"{where}: model holds [{string.Join(",", model.Timers.Select(t => t.Id).Order())}], state machine [{string.Join(",", state.All.Select(r => r.Id).Order())}]");
        Assert.True(model.WithStatus(TimerStatus.Pending).Count() == state.PendingCount, $"{where}: pending count");
        Assert.True(model.WithStatus(TimerStatus.Pending).Sum(TimerModel.Bytes) == state.PendingBytes, $"{where}: pending bytes");
        var finished = model.Timers.Where(t => t.Status is TimerStatus.Delivered or TimerStatus.Failed or TimerStatus.Cancelled).ToList();
        Assert.True(finished.Count == state.FinishedCount, $"{where}: finished count {finished.Count} vs {state.FinishedCount}");
        Assert.True(finished.Sum(TimerModel.Bytes) == state.FinishedBytes, $"{where}: finished bytes");

        foreach (var expected in model.Timers)
        {
            var actual = state.Find(expected.Id);
            Assert.True(actual is not null, $"{where}: timer {expected.Id} missing from the state machine");
            try
            {
                RecordAssert.Equal(ToRecord(expected), actual);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"{where}: {e.Message}");
            }
        }
    }

    private static TimerRecord ToRecord(ModelTimer t)
        => new(t.Id, t.Version, t.Status, t.CreatedAt, t.DueAt, t.Spec, t.Attempts, t.LastError, t.FinishedAt)
        {
            FiredAtIndex = t.FiredAtIndex,
            FireCount = t.FireCount,
        };
}
