using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>
/// S3 — never delivered before due. Two bounds, both sound on one machine's clock: the client's (a version
/// cannot be due before the earliest invocation that could have made it plus its timeout, since the
/// leader stamps after the request arrives) and the server's own (a delivery of the version the nodes hold
/// must not precede its recorded dueAt). <see cref="ToleranceMs"/> absorbs whole-millisecond stamps; a scenario that
/// injects clock faults passes the clock error the nodes tolerate instead.
/// </summary>
public static class NeverEarlyCheck
{
    public const string Name = "S3 never early";

    public const double ToleranceMs = 2.0;

    public static CheckResult Run(RunIndex index, double toleranceMs = ToleranceMs)
    {
        var violations = new List<string>();
        var checkedCount = 0;
        foreach (var (id, deliveries) in index.DeliveriesByTimer.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var ops = index.Ops(id);
            var held = index.StatesOf(id).FirstOrDefault();
            foreach (var delivery in deliveries)
            {
                if (delivery.KeyVersion is not { } version)
                    continue;
                checkedCount++;
                var clientBound = EarliestDue(ops, version);
                if (clientBound is { } bound && delivery.ArrivedAtMs < bound - toleranceMs)
                    violations.Add($"{id} v{version}: arrived at {delivery.ArrivedAtMs:0.0}, {bound - delivery.ArrivedAtMs:0.0} ms before the earliest possible due time {bound:0.0}");
                if (held is not null && held.Version == version && delivery.ArrivedAtMs < held.DueAtMs - toleranceMs)
                    violations.Add($"{id} v{version}: arrived at {delivery.ArrivedAtMs:0.0}, {held.DueAtMs - delivery.ArrivedAtMs:0.0} ms before its dueAt {held.DueAtMs:0.0}");
            }
        }

        return CheckResult.From(Name, $"no callback before its due time (tolerance {toleranceMs} ms)", violations,
            new Dictionary<string, double> { ["deliveriesChecked"] = checkedCount, ["toleranceMs"] = toleranceMs });
    }

    /// <summary>The earliest due time version <paramref name="version"/> can have, from the operations that could have made it.</summary>
    private static double? EarliestDue(List<Operation> ops, long version)
    {
        // Version 1 comes from a create; version v > 1 from the update that returned v, or, when that answer
        // was lost, from any update that may have taken effect.
        var makers = version == 1
            ? ops.Where(o => o.F == OpFunction.Create && o.Outcome != OpOutcome.Fail)
            : ops.Where(o => o.F == OpFunction.Update && o.Outcome != OpOutcome.Fail && (o.Version == version || o.Outcome == OpOutcome.Info));
        var bounds = makers.Select(o => o.InvokedAtMs + o.TimeoutMs).ToList();
        return bounds.Count == 0 ? null : bounds.Min();
    }
}
