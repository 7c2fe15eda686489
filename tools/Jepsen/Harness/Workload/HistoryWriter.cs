using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Workload;

/// <summary>Records operations as they happen: the JSONL file (invoke and completion lines) and an in-memory copy.</summary>
public sealed class HistoryWriter : IDisposable
{
    private readonly StreamWriter file;
    private readonly Lock gate = new();
    private readonly List<Operation> completed = [];

    public HistoryWriter(string path) => file = new StreamWriter(path, append: false) { AutoFlush = false };

    public void Invoke(int process, OpFunction f, string id, double atMs, long timeoutMs = 0, string? body = null)
    {
        lock (gate)
            file.WriteLine(HistoryFile.Invoke(process, f, id, atMs, timeoutMs, body));
    }

    public void Complete(Operation op)
    {
        lock (gate)
        {
            file.WriteLine(HistoryFile.Complete(op));
            completed.Add(op);
        }
    }

    /// <summary>For operations whose id is known only from the answer (server-chosen ids): both lines at once.</summary>
    public void InvokeAndComplete(Operation op)
    {
        lock (gate)
        {
            file.WriteLine(HistoryFile.Invoke(op.Process, op.F, op.TimerId, op.InvokedAtMs, op.TimeoutMs, op.Body));
            file.WriteLine(HistoryFile.Complete(op));
            completed.Add(op);
        }
    }

    public void Flush()
    {
        lock (gate)
            file.Flush();
    }

    public void Dispose()
    {
        lock (gate)
            file.Dispose();
    }
}
