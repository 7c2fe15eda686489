using System.Globalization;
using System.Xml.Linq;
using RaftTimers.Tools.Bench.Modes;
using RaftTimers.Tools.Bench.Plot;

namespace RaftTimers.Tools.Bench.Tests;

/// <summary>The charts <c>bench plot</c> draws from known reports: the series and markers sit where the figures say.</summary>
public sealed class PlotTests
{
    private static readonly XNamespace S = "http://www.w3.org/2000/svg";

    private const string Settings = """
        "settings": { "nodes": "http://127.0.0.1:1/,http://127.0.0.1:2/,http://127.0.0.1:3/", "to": "all", "concurrency": 64,
                      "rate": "closed loop", "duration": 5, "warm-up": 2 }
        """;

    private const string Create = $$"""
        { "mode": "create", "at": "2026-12-07T10:00:00Z", {{Settings}},
          "results": { "succeeded": 9000, "failed": 2, "measured": 5, "throughput": 1800 },
          "timeline": { "interval (s)": 1, "succeeded per interval": [1000, 2000, 3000, 1500, 1500], "failed per interval": [0, 0, 2, 0, 0],
                        "succeeded per interval by target": { "http://127.0.0.1:1/": [300, 600, 1000, 500, 500], "http://127.0.0.1:2/": [300, 700, 1000, 500, 500],
                                                              "http://127.0.0.1:3/": [400, 700, 1000, 500, 500] } } }
        """;

    private const string Precision = $$"""
        { "mode": "precision", "at": "2026-12-07T10:00:00Z", {{Settings}},
          "fires": { "missing": 0, "duplicates": 0, "early": 0,
                     "lateness (ms)": { "count": 111, "p50": 1.1, "p90": 5, "p99": 12, "max": 80 } },
          "lateness distribution": { "bucket edges (ms)": [0, 0.1, 1, 10, 100], "count per bucket": [0, 10, 100, 1] } }
        """;

    private static string Failover(string rounds) => $$"""
        { "mode": "failover", "at": "2026-12-07T10:00:00Z", {{Settings}},
          "timeline": { "interval (s)": 0.1, "succeeded per interval": [{{string.Join(", ", Enumerable.Repeat(50, 100))}}],
                        "failed per interval": [{{string.Join(", ", Enumerable.Range(0, 100).Select(i => i is >= 40 and < 45 ? 20 : 0))}}],
                        "failover rounds": [{{rounds}}] } }
        """;

    private static XElement Chart(string json)
    {
        var svg = PlotMode.Render(BenchReport.Parse(json));
        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href", svg, StringComparison.OrdinalIgnoreCase);
        var root = XDocument.Parse(svg).Root!;
        Assert.Equal(S + "svg", root.Name);
        Assert.Equal($"0 0 {root.Attribute("width")!.Value} {root.Attribute("height")!.Value}", root.Attribute("viewBox")!.Value);
        return root;
    }

    private static IEnumerable<XElement> Class(XElement root, string name, string cssClass)
        => root.Descendants(S + name).Where(e => (string?)e.Attribute("class") == cssClass);

    private static (double X, double Y)[] Points(XElement polyline)
        => [.. polyline.Attribute("points")!.Value.Split(' ').Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))];

    private static double X(XElement e, string attribute = "x1") => double.Parse(e.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    private static double TickX(XElement root, string label) => X(Class(root, "text", "x-tick").Single(t => t.Value == label), "x");

    [Fact]
    public void Throughput_has_a_point_per_second_at_its_rate_and_a_line_per_target()
    {
        var root = Chart(Create);
        var total = Points(Class(root, "polyline", "total").Single());
        Assert.Equal(5, total.Length);
        Assert.True(total.Zip(total.Skip(1)).All(p => p.First.X < p.Second.X));
        Assert.Equal(2, Array.IndexOf(total, total.MinBy(p => p.Y))); // the 3,000/s second is highest
        Assert.Equal(total[3].Y, total[4].Y);
        Assert.Equal((TickX(root, "0") + TickX(root, "1")) / 2, total[0].X, 1); // at the middle of its second
        Assert.Equal(3, Class(root, "polyline", "target").Count());
        Assert.Single(Class(root, "polyline", "failed"));
        var title = root.Element(S + "title")!.Value;
        Assert.Contains("bench create", title, StringComparison.Ordinal);
        Assert.Contains("3 nodes", title, StringComparison.Ordinal);
        Assert.Contains("concurrency 64", title, StringComparison.Ordinal);
    }

    [Fact]
    public void Lateness_has_a_bar_per_used_bucket_and_the_percentiles_inside_their_buckets()
    {
        var root = Chart(Precision);
        var bars = Class(root, "rect", "bar").ToList();
        Assert.Equal(3, bars.Count);
        var heights = bars.Select(b => X(b, "height")).ToList();
        Assert.True(heights[1] > heights[0] && heights[0] > heights[2]);
        var p50 = X(Class(root, "line", "p50").Single());
        var p99 = X(Class(root, "line", "p99").Single());
        var max = X(Class(root, "line", "max").Single());
        Assert.InRange(p50, X(bars[1], "x"), X(bars[1], "x") + X(bars[1], "width") + 1); // 1.1 ms in [1, 10)
        Assert.InRange(p99, X(bars[2], "x"), X(bars[2], "x") + X(bars[2], "width") + 1); // 12 ms in [10, 100)
        Assert.True(p50 < p99 && p99 < max);
        Assert.Equal(TickX(root, "1"), X(bars[1], "x") - 0.5, 1);
    }

    [Fact]
    public void Failover_marks_the_kill_and_the_new_leader_at_their_seconds()
    {
        var root = Chart(Failover("""{ "killed": "n1", "kill (s)": 4, "new leader": "n2", "new leader seen (s)": 5, "first accepted write (s)": 5.1, "first fire (s)": 5.2, "restarted (s)": 8 }"""));
        var ok = Points(Class(root, "polyline", "ok").Single());
        var failed = Points(Class(root, "polyline", "failed").Single());
        Assert.Equal(100, ok.Length);
        Assert.Equal(100, failed.Length);
        Assert.Equal(TickX(root, "4"), X(Class(root, "line", "kill").Single()), 1);
        var elected = X(Class(root, "line", "elected").Single());
        Assert.Equal((TickX(root, "4") + TickX(root, "6")) / 2, elected, 1);
        Assert.True(failed[42].Y < failed[39].Y); // failures in 4.0-4.5 s drawn above the zero line
        Assert.Contains(root.Descendants(S + "text"), t => t.Value.StartsWith("n2 leads, +1,000 ms", StringComparison.Ordinal));
    }

    [Fact]
    public void Failover_without_a_new_leader_still_marks_the_kill()
    {
        var root = Chart(Failover("""{ "killed": "n1", "kill (s)": 2, "new leader": null, "new leader seen (s)": null, "first accepted write (s)": null, "first fire (s)": null, "restarted (s)": 8 }"""));
        Assert.Equal(TickX(root, "2"), X(Class(root, "line", "kill").Single()), 1);
        Assert.Empty(Class(root, "line", "elected"));
    }

    [Fact]
    public void A_report_without_the_plotted_lists_or_of_another_mode_is_refused_with_what_is_missing()
    {
        var old = Create.Replace("\"timeline\"", "\"other\"", StringComparison.Ordinal);
        var missing = Assert.Throws<InvalidOperationException>(() => PlotMode.Render(BenchReport.Parse(old)));
        Assert.Contains("timeline.interval (s)", missing.Message, StringComparison.Ordinal);
        var capacity = Assert.Throws<InvalidOperationException>(() => PlotMode.Render(BenchReport.Parse("""{ "mode": "capacity" }""")));
        Assert.Contains("capacity", capacity.Message, StringComparison.Ordinal);
    }
}
