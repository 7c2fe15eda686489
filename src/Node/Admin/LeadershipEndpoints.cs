using System.Text.Json;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Membership;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Configuration;
using RaftTimers.Node.Http;
using RaftTimers.Node.OpenApi;

namespace RaftTimers.Node.Admin;

/// <summary>
/// <c>POST /cluster/leader/transfer</c>: the leader steps down and the cluster elects another member, e.g. before the
/// leader's machine is restarted (see <see cref="LeadershipHandOff"/>). Should this node lead again anyway, it steps
/// down again, up to <see cref="NodeSettings.AdminSection.TransferAttempts"/> times. Naming the next leader is not
/// offered: DotNext 6.12 has no targeted transfer (Raft's TimeoutNow). Admin token required; any node forwards it to
/// the leader.
/// </summary>
public sealed partial class LeadershipEndpoints(
    TimerNode node, AdminForwarder forwarder, AdminAuthorization admin, LeadershipHandOff handOff, NodeSettings settings, ILogger<LeadershipEndpoints> logger)
{
    public void Map(IEndpointRouteBuilder app)
        => app.MapPost("/cluster/leader/transfer", context => ApiError.Guard(context, TransferAsync))
            .Operation("transferLeadership", MembershipEndpoints.Tag, "Move leadership to another member",
                "The leader steps down and the cluster elects another member (which one cannot be chosen). Any member forwards it to the leader. "
                + "The body may be empty or {}.")
            .NeedsAdminToken()
            .Takes<TransferRequestShape>(optional: true)
            .Responds<LeaderTransferShape>(StatusCodes.Status200OK, "another member leads")
            .Refuses(StatusCodes.Status400BadRequest, "the body is not empty or {}, or names a target (not supported)")
            .Refuses(StatusCodes.Status409Conflict, "a single-node cluster, or this node won every election after stepping down")
            .Refuses(StatusCodes.Status413PayloadTooLarge, "the body is larger than 4096 bytes")
            .Refuses(StatusCodes.Status503ServiceUnavailable, "no leader reachable, no new leader elected in time, or this node is not a member");

    private async Task TransferAsync(HttpContext context)
    {
        admin.Demand(context.Request);
        var body = await RequestBody.ReadAsync(context.Request, 4096, context.RequestAborted).ConfigureAwait(false);
        RefuseTarget(body);
        MembershipEndpoints.RequireMember(node);
        if (node.View.MemberCount < 2)
            throw new ApiException(StatusCodes.Status409Conflict, "a single-node cluster has no other member to lead");

        var leaderUrl = await forwarder.FindLeaderAsync(context.RequestAborted).ConfigureAwait(false);
        if (leaderUrl is not null)
        {
            if (AdminForwarder.IsForwarded(context.Request))
                throw new ApiException(StatusCodes.Status503ServiceUnavailable, "leadership moved while the request was forwarded; retry");
            await forwarder.ForwardAsync(context, leaderUrl, body, TimeSpan.FromMilliseconds(settings.RequestTimeoutMs * (settings.Admin.TransferAttempts + 1L))).ConfigureAwait(false);
            return;
        }

        for (var election = 1; election <= settings.Admin.TransferAttempts; election++)
        {
            LogResigning(election);
            var (handedOff, next) = await handOff.ResignAsync(context.RequestAborted).ConfigureAwait(false);
            switch (handedOff)
            {
                case HandOff.NotLeader:
                    throw LeadershipMoved();
                case HandOff.NoneElected:
                    throw new ApiException(StatusCodes.Status503ServiceUnavailable, "the leader stepped down but no new leader was elected in time; check GET /cluster");
                case HandOff.Elected:
                    await WriteLeaderAsync(context, next!, election).ConfigureAwait(false);
                    return;
            }
        }

        throw new ApiException(StatusCodes.Status409Conflict,
            $"this node won all {settings.Admin.TransferAttempts} elections after stepping down; are the other members reachable? (GET /cluster)");
    }

    /// <summary>The 503 of a hand-off asked of a node that no longer led when it came to it.</summary>
    internal static ApiException LeadershipMoved()
        => new(StatusCodes.Status503ServiceUnavailable, "leadership moved while the request was handled; retry");

    private async Task WriteLeaderAsync(HttpContext context, MemberView leader, int elections)
    {
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteStartObject("leader");
            json.WriteString("id", leader.NodeId);
            json.WriteString("raft", RaftAddress.Format(leader.Raft));
            json.WriteString("api", leader.ApiUrl);
            json.WriteEndObject();
            json.WriteNumber("term", node.View.Term);
            json.WriteNumber("elections", elections);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>The body may be empty or <c>{}</c>; a named target is refused rather than silently ignored.</summary>
    private static void RefuseTarget(byte[] body)
    {
        if (body.Length == 0)
            return;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ApiException(StatusCodes.Status400BadRequest, "the body must be empty or {}");
            if (document.RootElement.TryGetProperty("to", out _))
                throw new ApiException(StatusCodes.Status400BadRequest,
                    "naming the next leader is not supported (DotNext 6.12 has no targeted transfer); send no body and the cluster elects another member");
        }
        catch (JsonException e)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"the body is not valid JSON: {e.Message}");
        }
    }

    [LoggerMessage(EventId = 6401, Level = LogLevel.Information, Message = "Leadership transfer: stepping down (election {Election}) so that another member leads")]
    private partial void LogResigning(int election);
}
