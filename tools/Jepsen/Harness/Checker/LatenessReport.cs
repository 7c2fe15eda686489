using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>
/// L1 — lateness (first successful arrival minus dueAt) p50/p99/max, for timers due in calm periods and
/// for timers due during a fault, and the time to recover after each fault: from its end until the first
/// delivery that is again no later than the calm p99.
/// </summary>
public static class LatenessReport
{
    public const string Name = "L1 lateness";

    public static CheckResult Run(RunIndex index)
    {
        var calm = new List<double>();
        var faulty = new List<double>();
        var arrivals = new List<(double ArrivedAtMs, double LatenessMs)>();
        foreach (var (id, deliveries) in index.DeliveriesByTimer)
        {
            var held = index.StatesOf(id).FirstOrDefault();
            var first = deliveries.FirstOrDefault(d => d.Succeeded && d.KeyVersion == held?.Version);
            if (held is null || first is null)
                continue;
            var lateness = first.ArrivedAtMs - held.DueAtMs;
            arrivals.Add((first.ArrivedAtMs, lateness));
            (InFault(index.Run.Faults, held.DueAtMs) ? faulty : calm).Add(lateness);
        }

        var figures = new Dictionary<string, double>();
        Describe(figures, "calm", calm);
        Describe(figures, "fault", faulty);
        var calmP99 = calm.Count > 0 ? Percentile(calm, 0.99) : 0;
        var recoveries = index.Run.Faults
            .Select(f => arrivals.Where(a => a.ArrivedAtMs >= f.EndMs && a.LatenessMs <= Math.Max(calmP99, 1)).Select(a => a.ArrivedAtMs - f.EndMs).DefaultIfEmpty(double.NaN).Min())
            .Where(r => !double.IsNaN(r))
            .ToList();
        if (recoveries.Count > 0)
            figures["recoveryMaxMs"] = recoveries.Max();

        return CheckResult.From(Name, "callback lateness, calm and during faults (a measurement, not a pass/fail rule)", [], figures);
    }

    private static bool InFault(IReadOnlyList<FaultWindow> faults, double atMs) => faults.Any(f => atMs >= f.StartMs && atMs <= f.EndMs);

    private static void Describe(Dictionary<string, double> figures, string name, List<double> values)
    {
        figures[$"{name}Count"] = values.Count;
        if (values.Count == 0)
            return;
        figures[$"{name}P50Ms"] = Percentile(values, 0.50);
        figures[$"{name}P99Ms"] = Percentile(values, 0.99);
        figures[$"{name}MaxMs"] = values.Max();
    }

    public static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
