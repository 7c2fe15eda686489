using System.Net;
using System.Text.Json;

namespace RaftTimers.Tools.Cluster;

/// <summary>What a node said on GET /cluster; <see cref="LeaderRaft"/> is null while it knows no leader.</summary>
internal sealed record ClusterView(string? Role, long? Term, string? LeaderRaft, string? LeaderApi);

/// <summary>Either the node's view, or why there is none (no answer, an error status, a body we cannot read).</summary>
internal sealed record ProbeResult(ClusterView? View, string? Problem)
{
    public bool KnowsLeader => View?.LeaderRaft is not null;

    /// <summary>Why this node is not ready yet, for the timeout report.</summary>
    public string Reason => Problem ?? (View?.LeaderRaft is null ? "answers but knows no leader yet" : "ready");
}

/// <summary>
/// Asks a node for GET {api}/cluster with a one-second limit, for the readiness wait and status.
/// It reads only the fields it needs (role, term, leader.raft, leader.api) and ignores the rest.
/// </summary>
internal static class ClusterProbe
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    // One client for the whole run; no proxy, because an http_proxy in the environment must not catch
    // requests to the nodes on this machine.
    private static readonly HttpClient s_client = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = RequestTimeout })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public static async Task<ProbeResult> GetAsync(NodeState node, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await s_client.GetAsync(node.Http + "/cluster", timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
                return new ProbeResult(null, $"GET /cluster answered {(int)response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return Parse(body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(null, $"no answer to GET /cluster within {RequestTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            return new ProbeResult(null, $"GET /cluster failed: {e.Message}");
        }
    }

    /// <summary>Whether <paramref name="node"/> lists <paramref name="raft"/> among the members; null when it does not answer.</summary>
    public static async Task<bool?> ListsMemberAsync(NodeState node, string raft, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout * 3);
        try
        {
            using var response = await s_client.GetAsync(node.Http + "/cluster", timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
                return null;
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false));
            return document.RootElement.TryGetProperty("members", out var members) && members.ValueKind == JsonValueKind.Array
                && members.EnumerateArray().Any(m => m.TryGetProperty("raft", out var r) && r.GetString() == raft);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static ProbeResult Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return new ProbeResult(null, "GET /cluster did not answer a JSON object");
            var leader = root.TryGetProperty("leader", out var l) && l.ValueKind == JsonValueKind.Object ? l : (JsonElement?)null;
            var view = new ClusterView(
                Role: String(root, "role"),
                Term: root.TryGetProperty("term", out var t) && t.TryGetInt64(out var term) ? term : null,
                LeaderRaft: leader is { } a ? String(a, "raft") : null,
                LeaderApi: leader is { } b ? String(b, "api") : null);
            return leader is not null && view.LeaderRaft is null
                ? new ProbeResult(null, "GET /cluster has a leader without a raft address")
                : new ProbeResult(view, null);
        }
        catch (JsonException e)
        {
            return new ProbeResult(null, $"GET /cluster answered invalid JSON: {e.Message}");
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
