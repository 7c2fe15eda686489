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

    public TimeSpan Between(double minSeconds, double maxSeconds) => TimeSpan.FromSeconds(minSeconds + (Random.NextDouble() * (maxSeconds - minSeconds)));
}
