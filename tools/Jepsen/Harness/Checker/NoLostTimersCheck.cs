using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>
/// S4 — no lost timers. Every acknowledged create is held by every node at the end, whatever the timing (a
/// committed create cannot vanish; finished timers outlive the run by the retention period). Unless an
/// acknowledged cancel retired it, it ends delivered or failed once the faults have healed, within
/// <see cref="BoundMs"/> of when it was due (or of the heal, whichever is later). An indeterminate create may
/// or may not exist; if it does, the same rules hold. Unfinished timers whose bound lies after the final
/// read are counted, not judged.
/// </summary>
public static class NoLostTimersCheck
{
    public const string Name = "S4 no lost timers";

    public const double BoundMs = 15_000;

    public static CheckResult Run(RunIndex index)
    {
        var violations = new List<string>();
        var run = index.Run;
        int finished = 0, notYetDue = 0, cancelled = 0;
        foreach (var id in index.AllTimerIds.Order(StringComparer.Ordinal))
        {
            var ops = index.Ops(id);
            var acknowledged = ops.Any(o => o is { F: OpFunction.Create, Outcome: OpOutcome.Ok });
            var states = index.StatesOf(id);
            if (!acknowledged && states.Count == 0)
                continue; // an indeterminate create that never took effect

            if (states.Count == 0)
            {
                violations.Add($"{id}: create acknowledged ({ops.First(o => o.F == OpFunction.Create && o.Outcome == OpOutcome.Ok)}) but no node holds the timer");
                continue;
            }

            if (ops.Any(o => o is { F: OpFunction.Cancel, Outcome: OpOutcome.Ok }) || states.Any(s => s.State == "cancelled"))
            {
                cancelled++;
                continue;
            }

            // The latest the timer can be due: the last completion of anything that set its delay, plus that delay.
            var latestDue = ops.Where(o => o.F is OpFunction.Create or OpFunction.Update && o.Outcome != OpOutcome.Fail)
                .Select(o => (double.IsInfinity(o.CompletedAtMs) ? run.ObservedUntilMs : o.CompletedAtMs) + o.TimeoutMs)
                .DefaultIfEmpty(0).Max();
            var unfinished = states.Where(s => s.State is not ("delivered" or "failed")).ToList();
            if (unfinished.Count == 0)
            {
                finished++;
                continue;
            }

            var mustBeDoneBy = Math.Max(latestDue, run.HealedAtMs) + BoundMs;
            if (mustBeDoneBy > run.ObservedUntilMs)
                notYetDue++;
            else
                violations.Add($"{id}: still {string.Join(", ", unfinished.Select(s => $"{s.State} on {s.Node}"))} at {run.ObservedUntilMs:0}, due by {latestDue:0} at the latest");
        }

        return CheckResult.From(Name, $"every acknowledged, uncancelled timer ends delivered or failed within {BoundMs / 1000:0} s of its due time after the heal", violations,
            new Dictionary<string, double> { ["finished"] = finished, ["cancelled"] = cancelled, ["notYetDue"] = notYetDue, ["boundMs"] = BoundMs });
    }
}
