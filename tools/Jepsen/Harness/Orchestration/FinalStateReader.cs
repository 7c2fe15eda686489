using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
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
        var timers = new List<NodeTimer>();
        string? after = null;
        try
        {
            do
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var page = await http.GetFromJsonAsync<JsonElement>($"{url}/timer?limit=1000" + (after is null ? "" : $"&after={after}"), timeout.Token).ConfigureAwait(false);
                foreach (var t in page.GetProperty("timers").EnumerateArray())
                {
                    timers.Add(new NodeTimer(url, t.GetProperty("id").GetString()!, t.GetProperty("state").GetString()!, t.GetProperty("version").GetInt64(),
                        (DateTimeOffset.Parse(t.GetProperty("dueAt").GetString()!, CultureInfo.InvariantCulture) - DateTimeOffset.UnixEpoch).TotalMilliseconds,
                        t.GetProperty("firedAtIndex").GetInt64(), t.GetProperty("fireCount").GetInt32()));
                }

                after = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
            }
            while (after is not null);
            return timers;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException && !token.IsCancellationRequested)
        {
            return null;
        }
    }
}
