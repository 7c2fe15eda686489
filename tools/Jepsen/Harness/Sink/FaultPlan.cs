using System.Globalization;

namespace RaftTimers.JepsenLike.Sink;

/// <summary>What the callback receiver does with one request.</summary>
public enum SinkAction
{
    Ok,
    Slow,
    Error,
    Drop,
}

/// <summary>The receiver's answer to one request: what it does, the status it answers (0 when it drops), and how long it waits first.</summary>
public readonly record struct SinkDecision(SinkAction Action, int Status, TimeSpan Delay)
{
    public static readonly SinkDecision Answer200 = new(SinkAction.Ok, 200, TimeSpan.Zero);
}

/// <summary>One window of receiver faults, [StartMs, EndMs) in absolute Unix ms; the parameter is a delay in ms (slow) or a probability.</summary>
public sealed record FaultPlanWindow(long StartMs, long EndMs, string Mode, double Parameter);

/// <summary>
/// The receiver's faults over time: <c>START-END:MODE[:PARAM]</c> windows, comma-separated, where MODE is
/// <c>slow:MS</c>, <c>error5xx:P</c>, <c>error429:P</c> or <c>drop:P</c> (PARAM defaults to 1000 ms or 1).
/// Outside every window the receiver answers 200; where windows overlap, the first listed wins.
/// The harness (SinkHost) writes the plan from the nemesis's sink fault windows; the sink parses it once at start.
/// </summary>
public sealed class FaultPlan(IReadOnlyList<FaultPlanWindow> windows)
{
    public const int MaxWindows = 10_000;

    private static readonly string[] Modes = ["slow", "error5xx", "error429", "drop"];

    public IReadOnlyList<FaultPlanWindow> Windows { get; } = windows;

    /// <summary>Parses a plan; null or empty is the empty plan. Throws <see cref="FormatException"/> naming the bad window.</summary>
    public static FaultPlan Parse(string? text)
    {
        var windows = new List<FaultPlanWindow>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (windows.Count == MaxWindows)
                throw new FormatException($"fault plan: more than {MaxWindows} windows");
            windows.Add(ParseWindow(part));
        }

        return new FaultPlan(windows);
    }

    /// <summary>Decides a request arriving at <paramref name="atMs"/>; <paramref name="draw"/> is a uniform [0,1) sample.</summary>
    public SinkDecision Decide(double atMs, double draw)
    {
        var window = Windows.FirstOrDefault(w => atMs >= w.StartMs && atMs < w.EndMs);
        return window?.Mode switch
        {
            "slow" => new SinkDecision(SinkAction.Slow, 200, TimeSpan.FromMilliseconds(window.Parameter)),
            "error5xx" when draw < window.Parameter => new SinkDecision(SinkAction.Error, 503, TimeSpan.Zero),
            "error429" when draw < window.Parameter => new SinkDecision(SinkAction.Error, 429, TimeSpan.Zero),
            "drop" when draw < window.Parameter => new SinkDecision(SinkAction.Drop, 0, TimeSpan.Zero),
            _ => SinkDecision.Answer200,
        };
    }

    private static FaultPlanWindow ParseWindow(string part)
    {
        var fields = part.Split(':');
        var range = fields[0].Split('-');
        if (range.Length != 2 || !long.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var startMs)
            || !long.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var endMs) || endMs < startMs)
            throw new FormatException($"fault window '{part}': expected START-END with START <= END (integer Unix ms)");
        if (fields.Length is < 2 or > 3 || !Modes.Contains(fields[1]))
            throw new FormatException($"fault window '{part}': expected START-END:MODE[:PARAM] with MODE one of {string.Join(", ", Modes)}");

        var slow = fields[1] == "slow";
        var parameter = slow ? 1000.0 : 1.0;
        // TryParse takes "NaN" and "Infinity" whatever the styles, hence the finiteness test.
        if (fields.Length == 3 && (!double.TryParse(fields[2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out parameter) || !double.IsFinite(parameter)))
            throw new FormatException($"fault window '{part}': PARAM '{fields[2]}' is not a non-negative number");
        if (slow && parameter > TimeSpan.FromMinutes(10).TotalMilliseconds)
            throw new FormatException($"fault window '{part}': a slow answer waits at most 600000 ms");
        if (!slow && parameter > 1)
            throw new FormatException($"fault window '{part}': a probability lies in 0..1");
        return new FaultPlanWindow(startMs, endMs, fields[1], parameter);
    }
}
