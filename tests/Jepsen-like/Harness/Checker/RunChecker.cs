using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>Runs every check over one run and gives the verdicts in a fixed order.</summary>
public static class RunChecker
{
    public static IReadOnlyList<CheckResult> Check(RunRecord run)
    {
        var index = new RunIndex(run);
        return
        [
            FireDecisionCheck.Run(index),
            NoDeliveryAfterCancelCheck.Run(index),
            NeverEarlyCheck.Run(index),
            NoLostTimersCheck.Run(index),
            LinearizabilityCheck.Run(index),
            DuplicateDeliveryCheck.Run(index),
            LatenessReport.Run(index),
        ];
    }
}
