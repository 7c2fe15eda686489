using RaftTimers.Client;
using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>
/// After the faults heal: waits until the cluster has settled (nothing overdue still pending, nothing firing),
/// then reads every timer from every node, a page at a time.
/// </summary>
public static class FinalStateReader
{
    public static async Task<bool> WaitUntilSettledAsync(HttpClient http, NodeSet nodes, TimeSpan timeout, CancellationToken token)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var settled = true;
            foreach (var url in nodes.Urls)
            {
                var states = await TryReadAsync(http, url, token).ConfigureAwait(false);
                // The workload has stopped, so a settled cluster holds no pending or firing timer at all.
                if (states is null || states.Any(t => t.State is "firing" or "pending"))
                {
                    settled = false;
                    break;
                }
            }

            if (settled)
                return true;
            await Task.Delay(TimeSpan.FromMilliseconds(500), token).ConfigureAwait(false);
        }

        return false;
    }

    public static async Task<List<NodeTimer>> ReadAllAsync(HttpClient http, NodeSet nodes, CancellationToken token)
    {
        var all = new List<NodeTimer>();
        foreach (var id in nodes.Ids)
        {
            var states = await TryReadAsync(http, nodes.UrlOf(id), token).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"cannot read the final state of {id}");
            all.AddRange(states.Select(s => s with { Node = id }));
        }

        return all;
    }

    private static async Task<List<NodeTimer>?> TryReadAsync(HttpClient http, string url, CancellationToken token)
    {
        var client = new RaftTimersClient(http, new RaftTimersClientOptions { Nodes = [new Uri(url)], RequestTimeout = TimeSpan.FromSeconds(10) });
        var timers = new List<NodeTimer>();
        try
        {
            await foreach (var t in client.ListAllAsync(new TimerQuery(limit: TimerQuery.MaxLimit), token).ConfigureAwait(false))
                timers.Add(new NodeTimer(url, t.Id, t.State, t.Version, (t.DueAt - DateTimeOffset.UnixEpoch).TotalMilliseconds, t.FiredAtIndex, t.FireCount));
            return timers;
        }
        catch (RaftTimersException) when (!token.IsCancellationRequested)
        {
            return null;
        }
    }
}
