using RaftTimers.JepsenLike.Report;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>Writes a run's report.json, report.html and report.txt next to its logs and returns the text summary.</summary>
public static class RunReports
{
    public static string WriteAll(RunOutcome outcome)
    {
        // Built once: it reads the commit from .git and counts timers by state.
        var report = outcome.ToReport();
        var text = ReportText.Render(report);
        File.WriteAllText(Path.Combine(outcome.OutputDirectory, "report.txt"), text);
        ReportJson.Write(report, Path.Combine(outcome.OutputDirectory, "report.json"));
        ReportHtml.Write(report, Path.Combine(outcome.OutputDirectory, "report.html"));
        return text;
    }
}
