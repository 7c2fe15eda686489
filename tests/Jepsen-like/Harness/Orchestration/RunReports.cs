using RaftTimers.JepsenLike.Report;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>Writes a run's report.json, report.html and report.txt next to its logs and returns the text summary.</summary>
public static class RunReports
{
    public static string WriteAll(RunOutcome outcome)
    {
        var text = ReportText.Render(outcome);
        File.WriteAllText(Path.Combine(outcome.OutputDirectory, "report.txt"), text);
        File.WriteAllText(Path.Combine(outcome.OutputDirectory, "report.json"), ReportJson.Render(outcome));
        File.WriteAllText(Path.Combine(outcome.OutputDirectory, "report.html"), ReportHtml.Render(outcome));
        return text;
    }
}
