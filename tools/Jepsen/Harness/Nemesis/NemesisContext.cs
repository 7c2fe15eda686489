using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Nemesis;

/// <summary>What a nemesis may act on.</summary>
public sealed record NemesisContext(NodeSet Nodes, IHostNetwork Network, HttpClient Http, Random Random, FaultLog Faults)
{
    public async Task PauseAsync(TimeSpan time, CancellationToken token)
    {
        try
        {
            await Task.Delay(time, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Waits 3-5 s, then picks the node to hurt next: the leader half the time (when the nodes agree on one), else any
    /// node. Null once the run is over.
    /// </summary>
    public async Task<string?> PauseThenPickTargetAsync(CancellationToken token)
    {
        await PauseAsync(Between(3, 5), token).ConfigureAwait(false);
        if (token.IsCancellationRequested)
            return null;
        var leader = Random.Next(2) == 0 ? await Nodes.LeaderAsync(Http, token).ConfigureAwait(false) : null;
        return leader ?? Nodes.Ids[Random.Next(Nodes.Ids.Count)];
    }

    public TimeSpan Between(double minSeconds, double maxSeconds) => TimeSpan.FromSeconds(minSeconds + (Random.NextDouble() * (maxSeconds - minSeconds)));
}
