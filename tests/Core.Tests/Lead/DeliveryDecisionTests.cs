using RaftTimers.Core.Lead;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>What a delivery does after an attempt and after proposing its record, without sending anything.</summary>
public sealed class DeliveryDecisionTests
{
    [Theory]
    [InlineData(1, 5, DeliveryOutcome.Retry)]
    [InlineData(4, 5, DeliveryOutcome.Retry)]
    [InlineData(5, 5, DeliveryOutcome.Failed)]
    [InlineData(7, 5, DeliveryOutcome.Failed)] // a new leader continuing past the limit
    [InlineData(1, 1, DeliveryOutcome.Failed)]
    public void A_failed_attempt_is_retried_until_the_last(int attempt, int maxAttempts, DeliveryOutcome expected)
        => Assert.Equal(expected, DeliveryDecision.AfterAttempt(attempt, AttemptResult.Failure("HTTP 503"), maxAttempts));

    [Fact]
    public void A_refused_target_fails_the_timer_at_once()
        => Assert.Equal(DeliveryOutcome.Failed, DeliveryDecision.AfterAttempt(1, AttemptResult.Refused("denied"), 5));

    [Fact]
    public void A_success_is_delivered_whatever_the_attempt()
    {
        Assert.Equal(DeliveryOutcome.Delivered, DeliveryDecision.AfterAttempt(1, AttemptResult.Success, 5));
        Assert.Equal(DeliveryOutcome.Delivered, DeliveryDecision.AfterAttempt(5, AttemptResult.Success, 5));
    }

    [Fact]
    public void A_new_leader_continues_the_attempt_count_from_the_log()
    {
        Assert.Equal(1, DeliveryDecision.FirstAttempt(0));
        Assert.Equal(4, DeliveryDecision.FirstAttempt(3));
    }

    [Theory]
    [InlineData(CommandOutcome.Applied, RecordNext.Done)]
    [InlineData(CommandOutcome.AlreadyApplied, RecordNext.Done)]
    [InlineData(CommandOutcome.Indeterminate, RecordNext.Again)]
    [InlineData(CommandOutcome.Rejected, RecordNext.Again)]
    [InlineData(CommandOutcome.NotLeader, RecordNext.Stop)]
    [InlineData(CommandOutcome.Stale, RecordNext.Stop)]
    public void A_record_is_proposed_again_only_while_its_outcome_is_unknown(CommandOutcome outcome, RecordNext expected)
        => Assert.Equal(expected, DeliveryDecision.AfterRecord(outcome, 0, out _));

    [Fact]
    public void The_record_retry_delay_doubles_from_100_ms_up_to_1_6_s()
    {
        var delays = Enumerable.Range(0, 7).Select(tries =>
        {
            DeliveryDecision.AfterRecord(CommandOutcome.Indeterminate, tries, out var after);
            return (int)after.TotalMilliseconds;
        });
        Assert.Equal([100, 200, 400, 800, 1_600, 1_600, 1_600], delays);
    }
}
