using System.Text.Json;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Membership;
using RaftTimers.Cluster.Security;
using RaftTimers.Node.Http;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Dashboard;

/// <summary>
/// Every member's role, term, commit and applied index, and how far it lags, for the dashboard's members panel:
/// this node's own figures, and each other member's from its <c>GET /cluster</c> (open, on every version of the
/// node), asked in parallel with a short deadline. DotNext keeps the leader's view of each follower's replication
/// index internal, so a member's lag is the highest commit index any member reports minus its applied index.
/// </summary>
/// <remarks>
/// The endpoint is open, so what it costs does not grow with the callers: one overview is fetched at a time and
/// handed to every caller for <see cref="FreshFor"/> after it arrived (callers that come while it is being fetched wait
/// for that fetch), and members are asked through <paramref name="peers"/>, a client of its own with
/// <see cref="MaxConnectionsPerMember"/> connections per member (<see cref="CreateClient"/>), never the client that
/// forwards writes to the leader.
/// </remarks>
public sealed partial class ClusterOverview
{
    /// <summary>How long one fetched overview is served again.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    /// <summary>Connections the members client opens to one member at most.</summary>
    public const int MaxConnectionsPerMember = 4;

    private readonly TimerNode node;
    private readonly HttpClient peers;
    private readonly TimeSpan peerTimeout;
    private readonly ILogger<ClusterOverview> logger;
    private readonly SharedFetch<Overview> shared;

    public ClusterOverview(TimerNode node, HttpClient peers, TimeSpan peerTimeout, TimeProvider clock, ILogger<ClusterOverview> logger)
    {
        this.node = node;
        this.peers = peers;
        this.peerTimeout = peerTimeout;
        this.logger = logger;
        shared = new SharedFetch<Overview>(FetchAsync, FreshFor, clock);
    }

    /// <summary>The client to give the constructor: pooled keep-alive connections, at most <see cref="MaxConnectionsPerMember"/> per member.</summary>
    public static HttpClient CreateClient(ClusterTls? tls = null) => new(new SocketsHttpHandler
    {
        SslOptions = PeerTrust.ClientOptions(tls),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = MaxConnectionsPerMember,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task WriteAsync(HttpContext context)
    {
        var overview = await shared.GetAsync().WaitAsync(context.RequestAborted).ConfigureAwait(false);
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("nodeId", node.Options.NodeId);
            json.WriteNumber("highestCommitIndex", overview.HighestCommit);
            json.WriteStartArray("members");
            foreach (var (member, f) in overview.Members)
            {
                json.WriteStartObject();
                json.WriteString("id", f.Id);
                json.WriteString("raft", member.Raft);
                json.WriteString("api", f.Api);
                json.WriteBoolean("self", !member.IsRemote);
                json.WriteString("status", member.Status);
                json.WriteBoolean("isLeader", member.IsLeader);
                json.WriteBoolean("reachable", f.Error is null);
                if (f.Error is null)
                {
                    json.WriteString("role", f.Role);
                    json.WriteNumber("term", f.Term);
                    json.WriteNumber("commitIndex", f.CommitIndex);
                    json.WriteNumber("appliedIndex", f.AppliedIndex);
                    json.WriteNumber("lag", Math.Max(0, overview.HighestCommit - f.AppliedIndex));
                    json.WriteNull("error");
                }
                else
                {
                    json.WriteNull("role");
                    json.WriteNull("term");
                    json.WriteNull("commitIndex");
                    json.WriteNull("appliedIndex");
                    json.WriteNull("lag");
                    json.WriteString("error", f.Error);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>What one fetch found; shared by the callers of a second, so nothing in it refers to live objects.</summary>
    private sealed record Overview(long HighestCommit, (MemberSeen Member, MemberFigures Figures)[] Members);

    private sealed record MemberSeen(string Raft, bool IsRemote, string Status, bool IsLeader);

    /// <summary>No caller's token: the fetch is shared, and bounded by the metadata wait and <see cref="peerTimeout"/>.</summary>
    private async Task<Overview> FetchAsync()
    {
        await node.Membership.LearnMetadataAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None).ConfigureAwait(false);
        var members = node.View.Members();
        var figures = await Task.WhenAll(members.Select(member => ReadAsync(member, CancellationToken.None))).ConfigureAwait(false);
        var highestCommit = figures.Where(f => f.Error is null).Select(f => f.CommitIndex).DefaultIfEmpty(node.CommitIndex).Max();
        var seen = members.Select((m, i) => (new MemberSeen(RaftAddress.Format(m.Raft), m.IsRemote, m.Status, m.IsLeader), figures[i])).ToArray();
        return new Overview(highestCommit, seen);
    }

    private sealed record MemberFigures(string? Id, string? Api, string? Role, long Term, long CommitIndex, long AppliedIndex, string? Error);

    private async Task<MemberFigures> ReadAsync(MemberView member, CancellationToken token)
    {
        var id = member.NodeId;
        if (!member.IsRemote)
        {
            return new MemberFigures(id, node.Options.ApiUrl, ClusterEndpoints.RoleOf(node, node.View.Leader), node.View.Term, node.CommitIndex, node.AppliedIndex, null);
        }

        var api = member.ApiUrl;
        if (api is null)
            return new MemberFigures(id, null, null, 0, 0, 0, "its API address is not known yet");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(peerTimeout);
        try
        {
            using var response = await peers.GetAsync($"{api}/cluster", deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                return Unreachable(id, api, $"GET /cluster answered {(int)response.StatusCode}");
            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: deadline.Token).ConfigureAwait(false);
            var root = document.RootElement;
            return new MemberFigures(id, api, root.GetProperty("role").GetString(), root.GetProperty("term").GetInt64(),
                root.GetProperty("commitIndex").GetInt64(), root.GetProperty("appliedIndex").GetInt64(), null);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return Unreachable(id, api, $"no answer within {peerTimeout.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException e)
        {
            return Unreachable(id, api, e.Message);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return Unreachable(id, api, $"GET /cluster answered something unexpected: {e.Message}");
        }
    }

    private MemberFigures Unreachable(string? id, string api, string error)
    {
        LogPeerUnreachable(api, error);
        return new MemberFigures(id, api, null, 0, 0, 0, error);
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Debug, Message = "Dashboard: member at {Api} did not give its figures: {Error}")]
    private partial void LogPeerUnreachable(string api, string error);
}
