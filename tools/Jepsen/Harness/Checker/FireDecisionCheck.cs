namespace RaftTimers.JepsenLike.Checker;

/// <summary>
/// S1 — one fire decision per timer version, identical on every node (docs/design.md invariant 3): no node
/// applied two fires to one version, every node holds the same version and the same deciding log index,
/// and nothing was delivered for a version that has no fire decision.
/// </summary>
public static class FireDecisionCheck
{
    public const string Name = "S1 one fire decision per version";

    public static CheckResult Run(RunIndex index)
    {
        var violations = new List<string>();
        var decided = 0;
        foreach (var id in index.AllTimerIds.Order())
        {
            var states = index.StatesOf(id);
            foreach (var s in states.Where(s => s.FireCount > 1))
                violations.Add($"{id}: node {s.Node} applied {s.FireCount} fire decisions to version {s.Version}");

            var distinct = states.Select(s => (s.Version, s.FiredAtIndex, Fired: RunIndex.IsFired(s.State))).Distinct().ToList();
            if (distinct.Count > 1)
                violations.Add($"{id}: nodes disagree on the fire decision: {string.Join("; ", states.Select(s => $"{s.Node} v{s.Version} {s.State} at index {s.FiredAtIndex}"))}");
            if (states.Count > 0 && states.Count < index.Nodes.Count)
                violations.Add($"{id}: held by {string.Join(",", states.Select(s => s.Node))} but not by every node");

            var firedVersion = states.FirstOrDefault(s => RunIndex.IsFired(s.State))?.Version;
            if (firedVersion is not null)
                decided++;
            foreach (var version in index.DeliveriesOf(id).Select(d => d.KeyVersion).Distinct())
            {
                if (version is null || version != firedVersion)
                    violations.Add($"{id}: delivered as version {version?.ToString() ?? "?"} but the nodes' fire decision is {(firedVersion is null ? "none" : $"version {firedVersion}")}");
            }
        }

        return CheckResult.From(Name, "each timer version fires at most once, and every node agrees on that decision", violations,
            new Dictionary<string, double> { ["fireDecisions"] = decided });
    }
}
