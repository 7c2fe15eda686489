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
public readonly record struct SinkDecision(SinkAction Action, int Status, TimeSpan Delay);

/// <summary>One window of receiver faults, absolute Unix ms.</summary>
public sealed record FaultPlanWindow(long StartMs, long EndMs, string Mode, double Parameter);

/// <summary>
/// The receiver's faults over time: <c>START-END:MODE[:PARAM]</c> windows, comma-separated, where MODE is
/// <c>slow:MS</c>, <c>error5xx:P</c>, <c>error429:P</c> or <c>drop:P</c>. Outside every window it answers 200.
/// </summary>
public sealed class FaultPlan(IReadOnlyList<FaultPlanWindow> windows)
{
    private static readonly string[] Modes = ["slow", "error5xx", "error429", "drop"];

    public IReadOnlyList<FaultPlanWindow> Windows { get; } = windows;

    public static FaultPlan Parse(string? text)
    {
        var windows = new List<FaultPlanWindow>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = part.Split(':');
            var range = fields[0].Split('-');
            if (range.Length != 2 || !long.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end) || end < start)
                throw new FormatException($"fault window '{part}': expected START-END with START <= END (Unix ms)");
            if (fields.Length is < 2 or > 3 || !Modes.Contains(fields[1]))
                throw new FormatException($"fault window '{part}': mode must be one of {string.Join(", ", Modes)}");
            var parameter = fields.Length == 3 ? double.Parse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture) : fields[1] == "slow" ? 1000 : 1;
            if (fields[1] != "slow" && parameter is < 0 or > 1)
                throw new FormatException($"fault window '{part}': probability must lie in 0..1");
            if (fields[1] == "slow" && parameter < 0)
                throw new FormatException($"fault window '{part}': delay must not be negative");
            windows.Add(new FaultPlanWindow(start, end, fields[1], parameter));
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
            _ => new SinkDecision(SinkAction.Ok, 200, TimeSpan.Zero),
        };
    }
}
