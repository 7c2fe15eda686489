namespace RaftTimers.JepsenLike.Checker;

/// <summary>
/// S6 — duplicates counted, each carrying the same Idempotency-Key. Delivery is at least once: a leader
/// that dies between a successful callback and its recorded result makes the next leader deliver again.
/// Every callback of a timer must carry one well-formed key <c>{id}:{version}:{firedAtIndex}</c>, so a receiver that
/// deduplicates on it sees one effect; a second 2xx for the same key is a duplicate, counted here.
/// </summary>
public static class DuplicateDeliveryCheck
{
    public const string Name = "S6 duplicates carry one Idempotency-Key";

    public static CheckResult Run(RunIndex index)
    {
        var violations = new List<string>();
        var duplicates = 0;
        var timersWithDuplicates = 0;
        foreach (var (id, deliveries) in index.DeliveriesByTimer.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var bad in deliveries.Where(d => d.KeyVersion is null))
                violations.Add($"{id}: malformed Idempotency-Key '{bad.IdempotencyKey}'");

            var keys = deliveries.Select(d => d.IdempotencyKey).Distinct().ToList();
            if (keys.Count > 1)
                violations.Add($"{id}: callbacks carried {keys.Count} different keys: {string.Join(", ", keys)}");

            var extra = deliveries.Count(d => d.Succeeded) - 1;
            if (extra > 0)
            {
                duplicates += extra;
                timersWithDuplicates++;
            }
        }

        return CheckResult.From(Name, "every callback of a timer carries the same {id}:{version}:{firedAtIndex} key; duplicate 2xx deliveries are counted", violations,
            new Dictionary<string, double> { ["duplicateDeliveries"] = duplicates, ["timersWithDuplicates"] = timersWithDuplicates });
    }
}
