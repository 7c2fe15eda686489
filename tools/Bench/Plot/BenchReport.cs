using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RaftTimers.Tools.Bench.Plot;

/// <summary>
/// A bench run's JSON (<c>--json FILE</c>, written by <see cref="Report.BenchResult"/>) as the charts read it; a field
/// that is missing is an error that names it, as a report from a bench older than the field would miss it.
/// </summary>
public sealed class BenchReport
{
    private readonly JsonObject root;

    private BenchReport(JsonObject root) => this.root = root;

    public static BenchReport Parse(string json)
    {
        try
        {
            return new BenchReport(JsonNode.Parse(json) as JsonObject ?? throw new InvalidOperationException("the report is not a JSON object"));
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"the report is not valid JSON: {e.Message}", e);
        }
    }

    public string Mode => Text("mode");

    /// <summary>The day the run was written (from <c>at</c>), or an empty string.</summary>
    public string Day => root["at"]?.GetValue<string>() is { Length: >= 10 } at ? at[..10] : "";

    /// <summary>How many servers were driven: the count of the comma-separated <c>settings.nodes</c>.</summary>
    public int Nodes => Text("settings", "nodes").Split(',', StringSplitOptions.RemoveEmptyEntries).Length;

    public JsonNode Field(params string[] path)
    {
        JsonNode? node = root;
        foreach (var name in path)
            node = node is JsonObject obj && obj.TryGetPropertyValue(name, out var next) ? next : null;
        return node ?? throw new InvalidOperationException(
            $"the report has no '{string.Join(".", path)}' (a report from before `bench plot` lacks the lists it draws: run the bench again)");
    }

    public bool Has(params string[] path)
    {
        JsonNode? node = root;
        foreach (var name in path)
            node = node is JsonObject obj && obj.TryGetPropertyValue(name, out var next) ? next : null;
        return node is not null;
    }

    public string Text(params string[] path) => Field(path) switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        var other => other.ToJsonString(),
    };

    public double Number(params string[] path) => Field(path) is JsonValue v && v.TryGetValue<double>(out var d)
        ? d
        : throw new InvalidOperationException($"'{string.Join(".", path)}' in the report is not a number");

    public double[] Numbers(params string[] path) => Field(path) is JsonArray a
        ? [.. a.Select(n => n is JsonValue v && v.TryGetValue<double>(out var d) ? d : throw new InvalidOperationException($"'{string.Join(".", path)}' holds something other than numbers"))]
        : throw new InvalidOperationException($"'{string.Join(".", path)}' in the report is not a list");

    /// <summary>A number the report may leave null (a moment that never came): null then.</summary>
    public static double? OptionalNumber(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    /// <summary>"concurrency 64, closed loop" or "concurrency 256, 2000/s": how hard the run pushed.</summary>
    public string Load
    {
        get
        {
            var rate = Text("settings", "rate");
            return $"concurrency {Svg.Figure(Number("settings", "concurrency"))}, {(rate == "closed loop" ? rate : "at " + rate)}";
        }
    }

    /// <summary>"40 s measured after a 20 s warm-up", from the settings.</summary>
    public string Window
    {
        get
        {
            var duration = Svg.Figure(Number("settings", "duration"), 1);
            var warmup = Number("settings", "warm-up");
            return warmup > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{duration} s measured after a {Svg.Figure(warmup, 1)} s warm-up")
                : $"{duration} s measured";
        }
    }
}
