using RaftTimers.Cluster.Membership;
using RaftTimers.Cluster.Service;
using RaftTimers.Core.Log;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Metrics;

namespace RaftTimers.Node.Tests.Http;

/// <summary>The one map from what happened to a write to its HTTP status, against the contract in docs/api.md.</summary>
public sealed class StatusMapTests
{
    [Theory]
    [InlineData(TimerWrite.Create, CommandOutcome.Applied, 201)]
    [InlineData(TimerWrite.Create, CommandOutcome.AlreadyApplied, 201)] // the same body again: an idempotent retry
    [InlineData(TimerWrite.Create, CommandOutcome.Conflict, 409)]
    [InlineData(TimerWrite.Update, CommandOutcome.Applied, 200)]
    [InlineData(TimerWrite.Update, CommandOutcome.NotFound, 404)]
    [InlineData(TimerWrite.Update, CommandOutcome.Conflict, 412)]  // If-Match named another version
    [InlineData(TimerWrite.Cancel, CommandOutcome.Applied, 202)]
    [InlineData(TimerWrite.Cancel, CommandOutcome.AlreadyApplied, 202)] // cancelling a cancelled timer again
    [InlineData(TimerWrite.Cancel, CommandOutcome.NotFound, 404)]
    [InlineData(TimerWrite.Create, CommandOutcome.Indeterminate, 503)]
    [InlineData(TimerWrite.Update, CommandOutcome.Rejected, 503)]
    [InlineData(TimerWrite.Cancel, CommandOutcome.NotLeader, 503)]
    [InlineData(TimerWrite.Create, CommandOutcome.Stale, 409)]  // no write answers Stale; were one to, it was not applied
    [InlineData(TimerWrite.Update, CommandOutcome.AlreadyApplied, 409)]
    public void A_write_outcome_has_the_status_the_contract_gives_it(TimerWrite op, CommandOutcome outcome, int status)
        => Assert.Equal(status, StatusMap.Of(op, outcome));

    [Fact]
    public void Every_write_outcome_maps_to_a_success_a_refusal_or_a_503_and_never_a_500()
    {
        foreach (var op in Enum.GetValues<TimerWrite>())
        {
            foreach (var outcome in Enum.GetValues<CommandOutcome>())
                Assert.InRange(StatusMap.Of(op, outcome), 200, 503);
        }
    }

    [Fact]
    public void Only_a_write_whose_fate_is_unknown_answers_503_and_the_service_calls_those_unknown()
    {
        var answered503 = Enum.GetValues<CommandOutcome>().Where(o => StatusMap.Of(TimerWrite.Create, o) == 503).ToList();
        Assert.Equal([CommandOutcome.NotLeader, CommandOutcome.Indeterminate, CommandOutcome.Rejected], answered503);
        Assert.Equal(answered503, Enum.GetValues<CommandOutcome>().Where(TimerService.LeavesWriteUnknown).ToList());
    }

    [Theory]
    [InlineData(WriteEnd.Refused, Refusal.Invalid, 400)]
    [InlineData(WriteEnd.Refused, Refusal.Busy, 429)]
    [InlineData(WriteEnd.Refused, Refusal.Full, 507)]
    [InlineData(WriteEnd.Unavailable, Refusal.None, 503)]
    [InlineData(WriteEnd.Unknown, Refusal.None, 503)]
    public void A_write_that_did_not_run_has_the_status_of_why(WriteEnd end, Refusal refusal, int status)
        => Assert.Equal(status, StatusMap.Of(new WriteResult(end, default, false, refusal, "why")));

    [Theory]
    [InlineData(CommandOutcome.Applied, WriteOutcome.Applied)]
    [InlineData(CommandOutcome.AlreadyApplied, WriteOutcome.Idempotent)]
    [InlineData(CommandOutcome.Conflict, WriteOutcome.Conflict)]
    [InlineData(CommandOutcome.NotFound, WriteOutcome.NotFound)]
    [InlineData(CommandOutcome.Indeterminate, WriteOutcome.Unavailable)]
    public void A_decided_write_is_counted_by_its_outcome(CommandOutcome outcome, WriteOutcome counted)
        => Assert.Equal(counted, StatusMap.CountedAs(outcome));

    [Theory]
    [InlineData(400, WriteOutcome.Invalid)]
    [InlineData(413, WriteOutcome.Invalid)]
    [InlineData(404, WriteOutcome.NotFound)]
    [InlineData(409, WriteOutcome.Conflict)]
    [InlineData(412, WriteOutcome.Conflict)]
    [InlineData(429, WriteOutcome.OverLimit)]
    [InlineData(507, WriteOutcome.OverLimit)]
    [InlineData(503, WriteOutcome.Unavailable)]
    public void A_refused_write_is_counted_by_its_status(int status, WriteOutcome counted)
        => Assert.Equal(counted, StatusMap.CountedAs(status));

    [Theory]
    [InlineData(MembershipOutcome.Done, null)]
    [InlineData(MembershipOutcome.Unchanged, null)]
    [InlineData(MembershipOutcome.Concurrent, 409)]
    [InlineData(MembershipOutcome.NotLeader, 503)]
    [InlineData(MembershipOutcome.CatchUpFailed, 502)]
    public void A_membership_change_fails_with_its_own_status_or_the_callers(MembershipOutcome outcome, int? status)
        => Assert.Equal(status, StatusMap.Of(outcome, failureStatus: 502));
}
