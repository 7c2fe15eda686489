namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>Samples who leads, a few times a second, and keeps each change with its time (for the report and the timeline).</summary>
public sealed class LeaderWatcher(NodeSet nodes, HttpClient http)
{
    private readonly List<(double AtMs, string Leader)> changes = [];
    private readonly Lock gate = new();

    public IReadOnlyList<(double AtMs, string Leader)> Changes
    {
        get
        {
            lock (gate)
                return changes.ToList();
        }
    }

    public string? Current
    {
        get
        {
            lock (gate)
                return changes.Count == 0 ? null : changes[^1].Leader;
        }
    }

    public async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            var leader = await nodes.LeaderAsync(http, token).ConfigureAwait(false) ?? "none";
            lock (gate)
            {
                if (changes.Count == 0 || changes[^1].Leader != leader)
                    changes.Add((Clock.NowMs(), leader));
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
