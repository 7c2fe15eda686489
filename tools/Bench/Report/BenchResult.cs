using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RaftTimers.Tools.Bench.Load;

namespace RaftTimers.Tools.Bench.Report;

/// <summary>
/// A run's figures, grouped in sections: printed as a terminal table and written as JSON (<c>--json FILE</c>).
/// Every figure is one the tool measured in this run.
/// </summary>
public sealed class BenchResult(string mode)
{
    private readonly List<(string Section, string Name, JsonNode? Value, string? Shown)> rows = [];
    private string section = "settings";

    public string Mode { get; } = mode;

    public BenchResult Section(string name)
    {
        section = name;
        return this;
    }

    public BenchResult Add(string name, string value) => Put(name, JsonValue.Create(value), value);

    public BenchResult Add(string name, long value, string unit = "")
        => Put(name, JsonValue.Create(value), value.ToString("N0", CultureInfo.InvariantCulture) + Unit(unit));

    public BenchResult Add(string name, double value, string unit = "", string format = "F1")
        => Put(name, JsonValue.Create(Math.Round(value, 3)), value.ToString(format, CultureInfo.InvariantCulture) + Unit(unit));

    public BenchResult Latency(string name, LatencySummary s)
    {
        var node = new JsonObject
        {
            ["count"] = s.Count, ["mean"] = R(s.MeanMs), ["p50"] = R(s.P50Ms), ["p90"] = R(s.P90Ms), ["p99"] = R(s.P99Ms),
            ["p999"] = R(s.P999Ms), ["max"] = R(s.MaxMs),
        };
        var shown = string.Create(CultureInfo.InvariantCulture,
            $"p50 {s.P50Ms:F1}  p90 {s.P90Ms:F1}  p99 {s.P99Ms:F1}  p99.9 {s.P999Ms:F1}  max {s.MaxMs:F1} ms  (n={s.Count:N0})");
        return Put(name + " (ms)", node, shown);
    }

    /// <summary>A list of figures in milliseconds, in order: a JSON array, and one line of whole numbers in the table.</summary>
    public BenchResult Series(string name, IReadOnlyList<double> valuesMs)
    {
        var node = new JsonArray(valuesMs.Select(v => (JsonNode?)JsonValue.Create(R(v))).ToArray());
        var shown = string.Join(' ', valuesMs.Select(v => v.ToString("F0", CultureInfo.InvariantCulture))) + " ms";
        return Put(name + " (ms)", node, shown);
    }

    /// <summary>A group of figures: one JSON object, shown as one line of text in the table.</summary>
    public BenchResult Group(string name, JsonObject value, string shown) => Put(name, value, shown);

    /// <summary>Figures for the JSON alone (the lists <c>bench plot</c> draws): too long to be read in the table.</summary>
    public BenchResult Data(string name, JsonNode value) => Put(name, value, null);

    private static double R(double v) => Math.Round(v, 3);

    private static string Unit(string unit) => unit.Length == 0 ? "" : " " + unit;

    private BenchResult Put(string name, JsonNode? value, string? shown)
    {
        rows.Add((section, name, value, shown));
        return this;
    }

    public void PrintTable(TextWriter output)
    {
        var shownRows = rows.Where(r => r.Shown is not null).ToList();
        var width = shownRows.Count == 0 ? 10 : Math.Min(40, shownRows.Max(r => r.Name.Length)) + 2;
        output.WriteLine();
        output.WriteLine($"== bench {Mode} ==");
        string? current = null;
        foreach (var (sec, name, _, shown) in shownRows)
        {
            if (sec != current)
            {
                output.WriteLine($"-- {sec}");
                current = sec;
            }

            output.WriteLine(name.Length < width ? $"  {name.PadRight(width)}{shown}" : $"  {name}  {shown}");
        }
    }

    public string ToJson()
    {
        var root = new JsonObject { ["mode"] = Mode, ["at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) };
        foreach (var group in rows.GroupBy(r => r.Section))
        {
            var obj = new JsonObject();
            foreach (var (_, name, value, _) in group)
                obj[name] = value?.DeepClone();
            root[group.Key] = obj;
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
