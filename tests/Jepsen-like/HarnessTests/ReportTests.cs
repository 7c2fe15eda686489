using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Report;

namespace RaftTimers.JepsenLike.HarnessTests;

/// <summary>The run reports: JSON that reads back, a terminal summary, and a self-contained HTML page with its timeline.</summary>
public sealed partial class ReportTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("report-tests-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Json_reads_back_with_its_figures_and_an_unfinished_operation()
    {
        var report = SampleReport.Create();
        Assert.Contains(report.Operations, o => double.IsPositiveInfinity(o.CompletedAtMs));
        var path = Path.Combine(directory, "report.json");

        ReportJson.Write(report, path);
        var back = ReportJson.Read(path);

        Assert.Equal((report.Scenario, report.Seed, report.Commit, report.Mode, report.NodeCount, report.DurationSeconds, report.Passed),
            (back.Scenario, back.Seed, back.Commit, back.Mode, back.NodeCount, back.DurationSeconds, back.Passed));
        Assert.Equal(report.Operations, back.Operations);
        Assert.Equal(report.Faults, back.Faults);
        Assert.Equal(report.LeaderChanges, back.LeaderChanges);
        Assert.Equal(report.TimersByState, back.TimersByState);
        Assert.Equal(report.OperationCounts.SelectMany(f => f.Value.Values), back.OperationCounts.SelectMany(f => f.Value.Values));
        Assert.Equal(report.Lateness, back.Lateness);
        Assert.Equal(report.Checks.Select(c => (c.Name, c.Passed, c.ViolationCount)), back.Checks.Select(c => (c.Name, c.Passed, c.ViolationCount)));

        var text = File.ReadAllText(path);
        Assert.Contains("\"completedAtMs\": null", text, StringComparison.Ordinal);
        Assert.Contains("\"passed\": false", text, StringComparison.Ordinal);
        Assert.Contains("\"faultsByKind\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Counts_come_from_the_lists()
    {
        var report = SampleReport.Create();

        Assert.Equal(report.Operations.Count, report.OperationCounts.Sum(f => f.Value.Values.Sum()));
        Assert.Equal(report.Operations.Count(o => o is { F: OpFunction.Get, Outcome: OpOutcome.Fail }), report.OperationCounts["get"]["fail"]);
        Assert.Equal(new Dictionary<string, int> { ["cancelled"] = 10, ["delivered"] = 50 }, report.TimersByState);
        Assert.Equal(new Dictionary<string, int> { ["partition-minority"] = 1, ["sink-drop"] = 1 }, report.FaultsByKind);
        Assert.Equal((3, 4), (report.LeaderChangeCount, report.DuplicateDeliveries));
    }

    [Fact]
    public void Timers_are_counted_once_each_in_the_first_nodes_view()
    {
        NodeTimer[] states =
        [
            new("n2", "a", "pending", 1, 0, 0, 0), new("n1", "a", "delivered", 1, 0, 1, 1), new("n1", "a", "delivered", 1, 0, 1, 1),
            new("n1", "b", "cancelled", 2, 0, 0, 0), new("n2", "c", "failed", 1, 0, 1, 1),
        ];

        Assert.Equal(new Dictionary<string, int> { ["cancelled"] = 1, ["delivered"] = 1 }, RunReport.CountTimersByState(states));
    }

    [Fact]
    public void Text_has_a_line_per_check_counterexamples_under_a_failure_and_the_replay_command()
    {
        var report = SampleReport.Create();

        var text = ReportText.Render(report);

        Assert.Contains("PASS S1 one fire decision per version — one fire decision per version\n", text, StringComparison.Ordinal);
        Assert.Contains("FAIL S4 no lost timers — acknowledged timers are held and finish (7 violations)\n     t-17: acknowledged create is not held by n3\n", text, StringComparison.Ordinal);
        Assert.Contains("     t-41: y\n     … 2 more\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("t-42", text, StringComparison.Ordinal);
        Assert.Contains("calm p50/p99/max 12/80/131 ms (n 50)  fault p50/p99/max 900/4100/4500 ms (n 10)", text, StringComparison.Ordinal);
        Assert.Contains("duplicates: 4", text, StringComparison.Ordinal);
        Assert.Contains($"verdict: FAIL — replay: {report.ReplayCommand}", text, StringComparison.Ordinal);
        Assert.StartsWith("== partition-minority  seed 13  netns  3 nodes  30 s", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_passing_run_has_no_replay_line()
    {
        var text = ReportText.Render(SampleReport.Create(failing: false));

        Assert.Contains("verdict: PASS", text, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", text, StringComparison.Ordinal);
        Assert.DoesNotContain("replay", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_is_well_formed_self_contained_and_plots_every_operation_and_fault()
    {
        var report = SampleReport.Create() with { ReplayCommand = "see https://example.invalid/replay <now>" };
        var path = Path.Combine(directory, "report.html");

        ReportHtml.Write(report, path);
        var html = File.ReadAllText(path);
        var sample = Environment.GetEnvironmentVariable("RAFTTIMERS_REPORT_SAMPLE");
        if (!string.IsNullOrEmpty(sample))
            ReportHtml.Write(SampleReport.Create(), sample);

        var document = XDocument.Load(XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));
        var svg = Assert.Single(document.Descendants("svg"));
        var completed = report.Operations.Count(o => double.IsFinite(o.CompletedAtMs));
        Assert.Equal(completed, svg.Descendants().Count(e => (string?)e.Attribute("class") == "op"));
        Assert.Equal(report.Operations.Count - completed, svg.Descendants().Count(e => (string?)e.Attribute("class") == "op open"));
        Assert.Equal(report.Faults.Count, svg.Descendants("rect").Count(e => (string?)e.Attribute("class") == "fault"));
        Assert.Equal(report.LeaderChanges.Count, svg.Descendants("line").Count(e => (string?)e.Attribute("class") == "leader"));
        Assert.Contains(svg.Descendants("text"), t => t.Value == "partition-minority n3");

        Assert.DoesNotContain(document.Descendants(), e => e.Name.LocalName is "script" or "link" or "img" or "iframe" or "object" or "embed");
        Assert.DoesNotContain(document.Descendants().Attributes(), a => a.Name.LocalName is "src" or "href" or "xmlns" || a.Value.Contains("//", StringComparison.Ordinal));
        Assert.DoesNotMatch(RemoteReference(), html);
        Assert.Contains("see https://example.invalid/replay &lt;now&gt;", html, StringComparison.Ordinal);
        Assert.Contains("t-17: acknowledged create is not held by n3", html, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_run_still_renders()
    {
        var empty = SampleReport.Create(operations: 0, failing: false) with { Faults = [], LeaderChanges = [], Checks = [] };

        Assert.Contains("<svg", ReportHtml.Render(empty), StringComparison.Ordinal);
        Assert.Contains("verdict: PASS", ReportText.Render(empty), StringComparison.Ordinal);
        Assert.Contains("\"operations\": []", ReportJson.Render(empty), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(src|href)\s*=|url\(|@import", RegexOptions.IgnoreCase)]
    private static partial Regex RemoteReference();
}
