namespace RaftTimers.JepsenLike.Checker;

/// <summary>One check's verdict: passed or not, with counterexamples (readable, bounded) and figures.</summary>
public sealed record CheckResult(string Name, string Description, bool Passed, IReadOnlyList<string> Counterexamples, IReadOnlyDictionary<string, double> Figures)
{
    public const int MaxCounterexamples = 20;

    public static CheckResult From(string name, string description, List<string> violations, Dictionary<string, double>? figures = null)
        => new(name, description, violations.Count == 0, violations.Take(MaxCounterexamples).ToList(), figures ?? new Dictionary<string, double>())
        {
            ViolationCount = violations.Count,
        };

    public int ViolationCount { get; init; }
}
