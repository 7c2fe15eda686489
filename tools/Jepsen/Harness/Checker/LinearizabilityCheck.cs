using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>
/// S5 — create, update, cancel and get on each timer id are linearizable against <see cref="TimerModel"/>.
/// A Wing–Gong search with Lowe's memoisation (as in Porcupine): repeatedly pick an operation that no
/// pending operation precedes in real time, apply it to the model if its answer fits, backtrack otherwise.
/// Indeterminate operations may take effect at any point after their invocation, or never; a pending
/// timer may fire between any two steps. Timer ids are independent, so each id is searched on its own.
/// </summary>
public static class LinearizabilityCheck
{
    public const string Name = "S5 linearizable per timer";

    /// <summary>The most operations on one id the search takes; the workload keeps ids well below it.</summary>
    public const int MaxOperationsPerTimer = 64;

    public static CheckResult Run(RunIndex index)
    {
        var violations = new List<string>();
        var checkedIds = 0;
        foreach (var (id, ops) in index.OperationsByTimer.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (ops.Count > MaxOperationsPerTimer)
            {
                violations.Add($"{id}: {ops.Count} operations, more than the {MaxOperationsPerTimer} the search takes: not checked");
                continue;
            }

            checkedIds++;
            if (!IsLinearizable(ops))
                violations.Add($"{id}: no linearization explains these answers:\n    " + string.Join("\n    ", ops.Select(o => o.ToString())));
        }

        return CheckResult.From(Name, "every timer's create/update/cancel/get history has a valid sequential order", violations,
            new Dictionary<string, double> { ["timersChecked"] = checkedIds, ["operations"] = index.Run.Operations.Count });
    }

    public static bool IsLinearizable(IReadOnlyList<Operation> ops)
    {
        var ordered = ops.OrderBy(o => o.InvokedAtMs).ToArray();
        var required = 0UL;
        for (var i = 0; i < ordered.Length; i++)
        {
            if (ordered[i].Outcome != OpOutcome.Info)
                required |= 1UL << i;
        }

        var visited = new HashSet<(ulong, TimerModel)>();
        return Search(ordered, required, 0UL, TimerModel.Absent, visited);
    }

    private static bool Search(Operation[] ops, ulong required, ulong done, TimerModel state, HashSet<(ulong, TimerModel)> visited)
    {
        if ((done & required) == required)
            return true;
        if (!visited.Add((done, state)))
            return false;

        if (state.TryFire(out var fired) && Search(ops, required, done, fired, visited))
            return true;

        // An answered operation bounds everything invoked after it; an indeterminate one bounds nothing.
        var horizon = double.PositiveInfinity;
        for (var i = 0; i < ops.Length; i++)
        {
            if ((done & (1UL << i)) == 0 && ops[i].Outcome != OpOutcome.Info)
                horizon = Math.Min(horizon, ops[i].CompletedAtMs);
        }

        for (var i = 0; i < ops.Length; i++)
        {
            var bit = 1UL << i;
            if ((done & bit) != 0 || ops[i].InvokedAtMs > horizon)
                continue;
            if (state.TryApply(ops[i], out var next) && Search(ops, required, done | bit, next, visited))
                return true;
        }

        return false;
    }
}
