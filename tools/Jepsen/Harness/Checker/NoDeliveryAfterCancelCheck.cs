using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>
/// S2 — an acknowledged cancel wins (docs/design.md invariant 5), and an acknowledged update retires the old
/// version. A 202 to a cancel means the timer was pending when a cancel committed (this one, or an earlier one that a
/// repeated cancel's 202 answers for), so no version of it had fired and none can fire afterwards: any delivery at all is a violation. A 200 to an update that
/// made version u means no version below u may be delivered.
/// </summary>
public static class NoDeliveryAfterCancelCheck
{
    public const string Name = "S2 no delivery after acknowledged cancel or update";

    public static CheckResult Run(RunIndex index)
    {
        var violations = new List<string>();
        foreach (var (id, ops) in index.OperationsByTimer.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var deliveries = index.DeliveriesOf(id);
            if (deliveries.Count == 0)
                continue;

            var cancel = ops.FirstOrDefault(o => o is { F: OpFunction.Cancel, Outcome: OpOutcome.Ok });
            if (cancel is not null)
                violations.Add($"{id}: cancel acknowledged ({cancel}) yet delivered {deliveries.Count} time(s), first at {deliveries[0].ArrivedAtMs:0.0} as {deliveries[0].IdempotencyKey}");

            foreach (var update in ops.Where(o => o is { F: OpFunction.Update, Outcome: OpOutcome.Ok, Version: not null }))
            {
                foreach (var stale in deliveries.Where(d => d.KeyVersion is { } v && v < update.Version))
                    violations.Add($"{id}: update to version {update.Version} acknowledged ({update}) yet version {stale.KeyVersion} delivered at {stale.ArrivedAtMs:0.0}");
            }
        }

        return CheckResult.From(Name, "no callback after a 202 cancel, nor for a version an acknowledged update replaced", violations);
    }
}
