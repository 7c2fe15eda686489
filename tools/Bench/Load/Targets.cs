using System.Text.Json;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// Which servers requests go to: <c>--to leader</c> (RaftTimers only: the node <c>GET /cluster</c> names as leader)
/// or <c>--to all</c> (round-robin over every given node; followers forward writes to the leader), or <c>--to followers</c>
/// (RaftTimers only: round-robin over every node but the leader, so every write is forwarded).
/// </summary>
public sealed class Targets
{
    private readonly Uri[] servers;
    private long next = -1;

    private Targets(Uri[] servers) => this.servers = servers;

    public IReadOnlyList<Uri> Servers => servers;

    /// <summary>Round-robin over every given server.</summary>
    public static Targets All(IEnumerable<Uri> servers) => new([.. servers]);

    public Uri Next() => servers[NextIndex()];

    /// <summary>The index in <see cref="Servers"/> of the next server, for callers that count per server.</summary>
    public int NextIndex() => (int)((ulong)Interlocked.Increment(ref next) % (ulong)servers.Length);

    public static async Task<Targets> ResolveAsync(IReadOnlyList<Uri> nodes, string to, TimerApi api, CancellationToken token)
    {
        switch (to)
        {
            case "all":
                return All(nodes);
            case "leader":
                return new Targets([await FindLeaderAsync(nodes, api, token).ConfigureAwait(false)]);
            case "followers":
                var leader = await FindLeaderAsync(nodes, api, token).ConfigureAwait(false);
                var followers = nodes.Where(n => !SameServer(n, leader)).ToArray();
                return followers.Length > 0 ? All(followers) : throw new UsageException("--to followers: every given node is the leader");
            default:
                throw new UsageException($"--to must be all, leader or followers, not '{to}'");
        }
    }

    private static bool SameServer(Uri a, Uri b) => Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>Each RaftTimers node's role by node id (<c>GET /cluster</c>); nodes that do not answer, or are not RaftTimers, are left out.</summary>
    public static async Task<Dictionary<string, string>> RolesAsync(IReadOnlyList<Uri> nodes, TimerApi api, CancellationToken token)
    {
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            try
            {
                using var doc = await api.GetJsonAsync(new Uri(node, "/cluster"), token).ConfigureAwait(false);
                if (doc.RootElement.TryGetProperty("nodeId", out var id) && doc.RootElement.TryGetProperty("role", out var role))
                    roles[id.GetString() ?? "?"] = role.GetString() ?? "?";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
            {
            }
        }

        return roles;
    }

    /// <summary>Asks each node for the leader's API URL until one knows; retries for up to 30 s (an election may be on).</summary>
    public static async Task<Uri> FindLeaderAsync(IReadOnlyList<Uri> nodes, TimerApi api, CancellationToken token)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            foreach (var node in nodes)
            {
                try
                {
                    using var doc = await api.GetJsonAsync(new Uri(node, "/cluster"), token).ConfigureAwait(false);
                    if (doc.RootElement.TryGetProperty("leader", out var leader) && leader.ValueKind == JsonValueKind.Object
                        && leader.TryGetProperty("api", out var url) && url.ValueKind == JsonValueKind.String)
                        return new Uri(url.GetString()!);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
                {
                }
            }

            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException("no node named a leader within 30 s (is this a RaftTimers cluster? use --to all otherwise)");
            await Task.Delay(100, token).ConfigureAwait(false);
        }
    }
}
