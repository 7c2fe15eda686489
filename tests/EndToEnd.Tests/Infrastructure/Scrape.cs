using System.Globalization;
using System.Text.RegularExpressions;

namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One scrape of a node's <c>/metrics</c>, parsed strictly as Prometheus text: every series by name and labels.
/// </summary>
internal sealed partial class Scrape
{
    private readonly Dictionary<string, List<(Dictionary<string, string> Labels, double Value)>> byName;

    private Scrape(Dictionary<string, List<(Dictionary<string, string> Labels, double Value)>> byName) => this.byName = byName;

    // A sample line of the Prometheus text format: name, optional {labels}, value (optional timestamp).
    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? ([-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+)?$""")]
    private static partial Regex Sample();

    // One label pair inside a sample's {...}.
    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((\\.|[^"\\])*)"(,|$)""")]
    private static partial Regex Label();

    [GeneratedRegex("""^# (TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)|HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)$""")]
    private static partial Regex Comment();

    public bool Has(string name) => byName.ContainsKey(name);

    /// <summary>The value of a metric that has one series (a gauge or an unlabelled counter).</summary>
    public double this[string name]
    {
        get
        {
            Assert.True(byName.TryGetValue(name, out var series), $"no {name} in the scrape");
            Assert.True(series.Count == 1, $"{name} has {series.Count} series, not one");
            return series[0].Value;
        }
    }

    /// <summary>The sum over the series of <paramref name="name"/> whose labels include <paramref name="where"/>; 0 when none.</summary>
    public double Sum(string name, params (string Label, string Value)[] where)
        => byName.TryGetValue(name, out var series)
            ? series.Where(s => where.All(w => s.Labels.TryGetValue(w.Label, out var v) && v == w.Value)).Sum(s => s.Value)
            : 0;

    /// <summary>The <c>le</c> bounds of a histogram's buckets, in the order written.</summary>
    public IEnumerable<string> BucketBounds(string histogram)
        => byName.TryGetValue($"{histogram}_bucket", out var series) ? series.Select(s => s.Labels["le"]).Distinct() : [];

    /// <summary>
    /// Scrapes <paramref name="node"/> and parses every line, failing on any that is not Prometheus text, on a sample
    /// without a TYPE line for its family before it, and on a series (name and labels) that appears twice.
    /// </summary>
    public static async Task<Scrape> FetchAsync(HttpClient http, string node)
    {
        using var response = await http.GetAsync($"{node}/metrics");
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} from {node}/metrics");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var byName = new Dictionary<string, List<(Dictionary<string, string>, double)>>();
        var seen = new HashSet<string>();
        var types = new Dictionary<string, string>();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(Comment(), line);
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                    types[line.Split(' ')[2]] = line.Split(' ')[3];
                continue;
            }

            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            var name = match.Groups[1].Value;
            Assert.True(types.ContainsKey(name) || IsHistogramSeries(name, types), $"{name} has no # TYPE line before its samples");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var block = match.Groups[2].Value;
            if (block.Length > 0)
            {
                foreach (Match label in Label().Matches(block[1..^1]))
                    Assert.True(labels.TryAdd(label.Groups[1].Value, Unescape(label.Groups[2].Value)), $"label {label.Groups[1].Value} twice in {line}");
            }

            var key = $"{name}{{{string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))}}}";
            Assert.True(seen.Add(key), $"series {key} appears twice");
            if (!byName.TryGetValue(name, out var series))
                byName[name] = series = [];
            series.Add((labels, ParseValue(match.Groups[5].Value)));
        }

        return new Scrape(byName);
    }

    /// <summary>x_bucket, x_sum and x_count belong to the family x declared a histogram.</summary>
    private static bool IsHistogramSeries(string name, Dictionary<string, string> types)
        => ((string[])["_bucket", "_sum", "_count"]).Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal)
            && types.TryGetValue(name[..^suffix.Length], out var type) && type == "histogram");

    private static string Unescape(string value) => value.Replace("\\n", "\n").Replace("\\\"", "\"").Replace("\\\\", "\\");

    private static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };
}
