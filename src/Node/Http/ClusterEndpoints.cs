using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Membership;
using RaftTimers.Node.OpenApi;

namespace RaftTimers.Node.Http;

/// <summary><c>GET /cluster</c> (read-only, open) and <c>GET /ping</c>.</summary>
public sealed class ClusterEndpoints(TimerNode node)
{
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/ping", static context =>
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("pong", context.RequestAborted);
        })
            .Operation("ping", "Timers", "Is the process up", "Skyring's liveness check; answers pong.")
            .Responds<string>(StatusCodes.Status200OK, "pong", "text/plain");
        app.MapGet("/cluster", GetAsync)
            .Operation("getCluster", "Cluster", "This node's view of the cluster",
                "This node's membership and role, the leader, term, commit and applied index, and the members. Read-only and open.")
            .Responds<ClusterStateShape>(StatusCodes.Status200OK, "the cluster as this node sees it");
        app.MapGet("/cluster/time", GetTimeAsync)
            .Operation("getClusterTime", "Cluster", "This node's wall clock",
                "What the other members sample to compare clocks (docs/clocks.md). Read-only and open.")
            .Responds<ClusterTimeShape>(StatusCodes.Status200OK, "this node's wall clock");
    }

    private Task GetTimeAsync(HttpContext context)
    {
        // The wall clock as it is, not the time this node acts on: the samplers judge the clock itself.
        var (raw, _) = node.ClusterClock.Read();
        return TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("nodeId", node.Options.NodeId);
            json.WriteNumber("unixMs", raw);
            json.WriteEndObject();
        });
    }

    private async Task GetAsync(HttpContext context)
    {
        var cluster = node.View;
        var leader = cluster.Leader;
        var leaderApi = leader is null ? null : await cluster.LeaderApiUrlAsync(context.RequestAborted).ConfigureAwait(false);

        // Names every member: a leader has not necessarily asked its followers for their metadata yet.
        await node.Membership.LearnMetadataAsync(TimeSpan.FromMilliseconds(500), context.RequestAborted).ConfigureAwait(false);
        var role = RoleOf(node, leader);
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("nodeId", node.Options.NodeId);
            json.WriteString("raft", RaftAddress.Format(node.Options.RaftEndPoint));
            json.WriteString("membership", MembershipName(node.Membership.Local));
            json.WriteString("role", role);
            json.WriteNumber("term", cluster.Term);
            json.WriteNumber("logLevel", node.Membership.KnownLogLevel);
            if (leader is null)
            {
                json.WriteNull("leader");
            }
            else
            {
                json.WriteStartObject("leader");
                json.WriteString("raft", RaftAddress.Format(leader.Raft));
                if (leaderApi is null)
                    json.WriteNull("api");
                else
                    json.WriteString("api", leaderApi);
                json.WriteEndObject();
            }

            json.WriteNumber("commitIndex", node.CommitIndex);
            json.WriteNumber("appliedIndex", node.AppliedIndex);
            json.WriteNumber("pendingTimers", node.Store.Read(s => s.PendingCount));
            var clock = node.ClusterClock;
            json.WriteStartObject("clock");
            json.WriteNumber("maxSkewMs", clock.Options.MaxSkewMs);
            json.WriteString("verdict", clock.Verdict.ToString().ToLowerInvariant());
            json.WriteBoolean("mayFire", clock.MayFire);
            json.WriteNumber("steps", clock.Steps);
            json.WriteNumber("correctionMs", clock.CorrectionMs);
            json.WriteNumber("stampsAhead", clock.StampsAhead);
            json.WriteEndObject();
            var samples = clock.Samples();
            json.WriteStartArray("members");
            foreach (var member in cluster.Members())
            {
                json.WriteStartObject();
                json.WriteString("id", member.NodeId);
                json.WriteString("raft", RaftAddress.Format(member.Raft));
                json.WriteString("api", member.ApiUrl);
                json.WriteString("status", member.Status);
                json.WriteBoolean("isLeader", member.IsLeader);
                if (!member.IsRemote)
                {
                    json.WriteNumber("clockOffsetMs", 0);
                    json.WriteNumber("clockRoundTripMs", 0);
                }
                else if (samples.TryGetValue(RaftAddress.Format(member.Raft), out var sample))
                {
                    json.WriteNumber("clockOffsetMs", sample.OffsetMs);
                    json.WriteNumber("clockRoundTripMs", sample.RoundTripMs);
                }
                else
                {
                    json.WriteNull("clockOffsetMs");
                    json.WriteNull("clockRoundTripMs");
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// This node's role as <c>GET /cluster</c> names it: none (joining or removed), leader, follower (it knows a leader), or
    /// candidate (it knows none).
    /// </summary>
    public static string RoleOf(TimerNode node, MemberView? leader)
        => node.Membership.Local != LocalMembership.Member ? "none"
            : node.IsLeader ? "leader" : leader is not null ? "follower" : "candidate";

    public static string MembershipName(LocalMembership membership) => membership switch
    {
        LocalMembership.Member => "member",
        LocalMembership.Joining => "joining",
        _ => "removed",
    };
}
