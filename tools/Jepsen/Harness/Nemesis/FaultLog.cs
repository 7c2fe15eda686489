using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Nemesis;

/// <summary>The faults injected so far, each with its start and end (for the report, the timeline and lateness).</summary>
public sealed class FaultLog
{
    private readonly List<FaultWindow> windows = [];
    private readonly Lock gate = new();

    public IReadOnlyList<FaultWindow> Windows
    {
        get
        {
            lock (gate)
                return windows.ToList();
        }
    }

    public void Add(FaultWindow window)
    {
        lock (gate)
            windows.Add(window);
    }

    /// <summary>Runs <paramref name="inject"/>, holds the fault for <paramref name="hold"/>, then <paramref name="heal"/>; records the window even when cancelled midway.</summary>
    public async Task HoldAsync(string kind, string target, Func<Task> inject, TimeSpan hold, Func<Task> heal, CancellationToken token)
    {
        var start = Clock.NowMs();
        await inject().ConfigureAwait(false);
        try
        {
            await Task.Delay(hold, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await heal().ConfigureAwait(false);
            Add(new FaultWindow(kind, target, start, Clock.NowMs()));
        }
    }
}
