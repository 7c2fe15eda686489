using System.Net;
using System.Text.Json;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Membership;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Configuration;
using RaftTimers.Node.Http;
using RaftTimers.Node.OpenApi;

namespace RaftTimers.Node.Admin;

/// <summary>
/// <c>POST /cluster/members</c> and <c>DELETE /cluster/members/{id}</c> (docs/api.md, admin section): any node takes
/// them and forwards to the leader, which changes the membership one node at a time and answers once the new
/// configuration is committed. Each needs the admin token.
/// </summary>
public sealed partial class MembershipEndpoints(
    TimerNode node, AdminForwarder forwarder, AdminAuthorization admin, PeerClient peers, LeadershipHandOff handOff, NodeSettings settings,
    ILogger<MembershipEndpoints> logger)
{
    /// <summary>The notice a leader sends a node it has removed (Raft itself does not tell it); admin token required.</summary>
    public const string RemovedNoticePath = "/cluster/removed";

    private const int MaxBodyBytes = 4096;

    /// <summary>The OpenAPI tag of the endpoints that change the cluster.</summary>
    internal const string Tag = "Admin";

    /// <summary>How long asking a member for its metadata (node id, API URL) may take; a dead member is then known by address only.</summary>
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(1);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/cluster/members", context => ApiError.Guard(context, AddAsync))
            .Operation("addMember", Tag, "Add a member",
                "Any member forwards it to the leader, which asks the new node who it is, lets it catch up and commits the configuration that "
                + "includes it; answered once that is committed. Retrying a change that went through answers 200 again.")
            .NeedsAdminToken()
            .Takes<AddMemberShape>()
            .Responds<MemberChangeShape>(StatusCodes.Status200OK, "the member is in the committed configuration (changed says whether this request added it)")
            .Refuses(StatusCodes.Status400BadRequest, "malformed JSON, or raft or api missing or malformed")
            .Refuses(StatusCodes.Status409Conflict, "another membership change is under way, or the node at api is not in join mode or listens for Raft elsewhere")
            .Refuses(StatusCodes.Status413PayloadTooLarge, "the body is larger than 4096 bytes")
            .Refuses(StatusCodes.Status502BadGateway, "the new node did not answer or did not catch up with the log")
            .Refuses(StatusCodes.Status503ServiceUnavailable, "no leader reachable, leadership moved, the change timed out, or this node is not a member");
        app.MapDelete("/cluster/members/{id}", context => ApiError.Guard(context, RemoveAsync))
            .Operation("removeMember", Tag, "Remove a member",
                "By node id or Raft host:port, as GET /cluster lists them. Removing the leader makes it step down first. Committed before 200; "
                + "removing a member that is already gone (given by host:port) answers 200 with changed false.")
            .Path("id", "The member's node id or Raft host:port.", ApiDocs.Text())
            .NeedsAdminToken()
            .Responds<MemberChangeShape>(StatusCodes.Status200OK, "the member is out of the committed configuration")
            .Refuses(StatusCodes.Status404NotFound, "no member has this node id")
            .Refuses(StatusCodes.Status409Conflict, "another membership change is under way, the id is ambiguous, or it is the cluster's only member")
            .Refuses(StatusCodes.Status503ServiceUnavailable, "no leader reachable, leadership moved, the change timed out, or this node is not a member");
        // The leader's notice to a node it removed: node to node, not part of the API.
        app.MapPost(RemovedNoticePath, context => ApiError.Guard(context, RemovedNoticeAsync)).ExcludeFromDescription();
    }

    private TimeSpan RequestTimeout => TimeSpan.FromMilliseconds(settings.RequestTimeoutMs);

    private TimeSpan MembershipTimeout => TimeSpan.FromMilliseconds(settings.Admin.MembershipTimeoutMs);

    private async Task AddAsync(HttpContext context)
    {
        admin.Demand(context.Request);
        var body = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        var (address, api) = ParseAddRequest(body);
        // Adding waits for the new node to catch up, so the forwarded request may take minutes: first make sure the
        // leader answers at all, or a paused or cut-off leader would hold the caller for all that time.
        if (await ForwardUnlessLeaderAsync(context, body, MembershipTimeout, checkLeaderFirst: true).ConfigureAwait(false))
            return;

        if (!await node.Membership.IsInConfigurationAsync(address, context.RequestAborted).ConfigureAwait(false))
            await peers.CheckJoiningAsync(api, address, context.RequestAborted).ConfigureAwait(false);

        var outcome = await WithinMembershipTimeoutAsync(context, $"adding {RaftAddress.Format(address)}", token => node.Membership.AddAsync(address, token)).ConfigureAwait(false);
        ThrowUnlessDone(outcome, $"add {RaftAddress.Format(address)}", StatusCodes.Status502BadGateway,
            $"the node at {RaftAddress.Format(address)} did not answer or did not catch up with the log; it must be running in join mode (--join true) with an empty data directory");
        await WriteMemberAsync(context, address, outcome == MembershipOutcome.Done, notified: null).ConfigureAwait(false);
    }

    private async Task RemoveAsync(HttpContext context)
    {
        admin.Demand(context.Request);
        var id = context.Request.RouteValues["id"] as string ?? "";
        // The leader's part (find, commit, tell the removed node) may outlast the request deadline: the forward waits as
        // long as the leader may take, after checking that the leader answers at all.
        if (await ForwardUnlessLeaderAsync(context, null, MembershipTimeout, checkLeaderFirst: true).ConfigureAwait(false))
            return;

        MemberView? member;
        try
        {
            member = await node.View.FindAsync(id, MetadataTimeout, context.RequestAborted).ConfigureAwait(false);
        }
        catch (AmbiguousMemberException e)
        {
            throw new ApiException(StatusCodes.Status409Conflict, e.Message);
        }

        if (member is null)
        {
            // A retry of a removal that went through: nothing to do, and the caller learns so (200, not 404).
            if (RaftAddress.TryParse(id, out var gone))
            {
                ThrowUnlessDone(await node.Membership.RemoveAsync(gone, context.RequestAborted).ConfigureAwait(false), $"remove {RaftAddress.Format(gone)}", StatusCodes.Status409Conflict, $"{RaftAddress.Format(gone)} could not be removed");
                await WriteMemberAsync(context, gone, changed: false, notified: null).ConfigureAwait(false);
                return;
            }

            throw new ApiException(StatusCodes.Status404NotFound, $"no member '{id}' (give its node id or its Raft host:port, as GET /cluster lists them)");
        }

        if (!member.IsRemote)
        {
            if (node.View.MemberCount == 1)
                throw new ApiException(StatusCodes.Status409Conflict, "this is the cluster's only member; a cluster cannot remove its last member");
            // The leader cannot remove itself and keep leading: it steps down and the next leader does it.
            LogSteppingDown();
            var (handedOff, _) = await handOff.ResignAsync(context.RequestAborted).ConfigureAwait(false);
            if (handedOff == HandOff.NotLeader)
                throw LeadershipEndpoints.LeadershipMoved();
            var leaderUrl = handedOff == HandOff.Elected ? await forwarder.FindLeaderAsync(context.RequestAborted).ConfigureAwait(false) : null;
            if (leaderUrl is null)
                throw new ApiException(StatusCodes.Status503ServiceUnavailable, "this node leads and was asked to remove itself; it stepped down, but no other leader took over in time; retry");
            await forwarder.ForwardAsync(context, leaderUrl, null, MembershipTimeout).ConfigureAwait(false);
            return;
        }

        var address = member.Raft;
        // A dead member is removed all the same; it just cannot be told.
        var api = await node.View.ApiUrlOfAsync(member, MetadataTimeout, context.RequestAborted).ConfigureAwait(false);
        var outcome = await WithinMembershipTimeoutAsync(context, $"removing {RaftAddress.Format(address)}", token => node.Membership.RemoveAsync(address, token)).ConfigureAwait(false);
        ThrowUnlessDone(outcome, $"remove {RaftAddress.Format(address)}", StatusCodes.Status409Conflict, $"{RaftAddress.Format(address)} could not be removed");
        bool? notified = null;
        if (outcome == MembershipOutcome.Done)
            notified = api is not null && SameHost(api, address)
                && await peers.TellRemovedAsync(api, context.Request.Headers.Authorization.ToString(), context.RequestAborted).ConfigureAwait(false);
        await WriteMemberAsync(context, address, outcome == MembershipOutcome.Done, notified).ConfigureAwait(false);
    }

    /// <summary>Runs a change under <c>RaftTimers:Admin:MembershipTimeoutMs</c>; running out of it is a 503 (changes are idempotent, so a retry is safe).</summary>
    private async Task<MembershipOutcome> WithinMembershipTimeoutAsync(HttpContext context, string change, Func<CancellationToken, Task<MembershipOutcome>> run)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(MembershipTimeout);
        try
        {
            return await run(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            throw new ApiException(StatusCodes.Status503ServiceUnavailable,
                $"{change} was not confirmed within {settings.Admin.MembershipTimeoutMs} ms; check GET /cluster and retry (a retry is safe)");
        }
    }

    /// <summary>The leader's notice that this node was removed: it stops serving timer writes and never campaigns again.</summary>
    private async Task RemovedNoticeAsync(HttpContext context)
    {
        admin.Demand(context.Request);
        await node.Membership.MarkRemovedAsync(context.RequestAborted).ConfigureAwait(false);
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("nodeId", node.Options.NodeId);
            json.WriteString("membership", "removed");
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>Returns true when the request was forwarded to the leader and answered there.</summary>
    private async Task<bool> ForwardUnlessLeaderAsync(HttpContext context, byte[]? body, TimeSpan timeout, bool checkLeaderFirst)
    {
        RequireMember(node);
        var leaderUrl = await forwarder.FindLeaderAsync(context.RequestAborted).ConfigureAwait(false);
        if (leaderUrl is null)
            return false;
        if (AdminForwarder.IsForwarded(context.Request))
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "leadership moved while the request was forwarded; retry");
        if (checkLeaderFirst && !await peers.IsLiveAsync(leaderUrl, RequestTimeout, context.RequestAborted).ConfigureAwait(false))
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, $"the leader at {leaderUrl} does not answer; retry once a leader is reachable");
        await forwarder.ForwardAsync(context, leaderUrl, body, timeout).ConfigureAwait(false);
        return true;
    }

    /// <summary>Throws 503 unless this node is a member: a joining or removed node takes no cluster changes.</summary>
    internal static void RequireMember(TimerNode node)
    {
        if (node.Membership.NotServingReason is { } why)
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, $"{why}; send cluster changes to a member");
    }

    private void ThrowUnlessDone(MembershipOutcome outcome, string change, int failureStatus, string failureReason)
    {
        if (StatusMap.Of(outcome, failureStatus) is not { } status)
            return;
        switch (outcome)
        {
            case MembershipOutcome.Concurrent:
                throw new ApiException(status, $"cannot {change}: another membership change is under way; retry when it has finished");
            case MembershipOutcome.NotLeader:
                throw new ApiException(status, $"cannot {change}: leadership moved; check GET /cluster and retry");
            default:
                LogChangeFailed(change, outcome);
                throw new ApiException(status, failureReason);
        }
    }

    /// <summary>
    /// The notice carries the caller's admin token, so it goes only to an API URL on the host of the member's Raft
    /// address: a URL a member published in its own metadata is not trusted with the token otherwise. A member known by
    /// name must publish its API under that same name.
    /// </summary>
    private static bool SameHost(string api, EndPoint raft)
        => Uri.TryCreate(api, UriKind.Absolute, out var url) && raft switch
        {
            IPEndPoint ip => IPAddress.TryParse(url.Host.Trim('[', ']'), out var host) && host.Equals(ip.Address),
            DnsEndPoint name => string.Equals(url.Host, name.Host, StringComparison.OrdinalIgnoreCase),
            _ => false,
        };

    private async Task WriteMemberAsync(HttpContext context, EndPoint address, bool changed, bool? notified)
    {
        var inConfiguration = await node.Membership.IsInConfigurationAsync(address, context.RequestAborted).ConfigureAwait(false);
        await node.Membership.LearnMetadataAsync(MetadataTimeout, context.RequestAborted).ConfigureAwait(false);
        var member = node.View.Find(RaftAddress.Format(address));
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("raft", RaftAddress.Format(address));
            json.WriteString("id", member?.NodeId);
            json.WriteBoolean("member", inConfiguration);
            json.WriteBoolean("changed", changed);
            if (notified is { } told)
                json.WriteBoolean("notified", told);
            json.WriteNumber("members", node.View.MemberCount);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static (EndPoint Address, Uri Api) ParseAddRequest(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw BadAdd("the body must be a JSON object");
            if (!document.RootElement.TryGetProperty("raft", out var raft) || raft.ValueKind != JsonValueKind.String)
                throw BadAdd("raft is required: the new node's Raft address as \"IP:port\" or \"name:port\"");
            if (!RaftAddress.TryParse(raft.GetString()!, out var address))
                throw BadAdd($"raft '{raft.GetString()}' is not a Raft address: IP:port (IPv6 in brackets) or name:port");
            // Required: the leader asks the node at this URL who it is before it sends it the log (see PeerClient.CheckJoiningAsync).
            if (!document.RootElement.TryGetProperty("api", out var apiText) || apiText.ValueKind != JsonValueKind.String
                || !Uri.TryCreate(apiText.GetString(), UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
                throw BadAdd("api is required: the new node's HTTP API as an absolute http(s) URL, e.g. \"http://10.0.0.4:8080\"");
            return (address, api);
        }
        catch (JsonException e)
        {
            throw BadAdd($"the body is not valid JSON: {e.Message}");
        }
    }

    private static ApiException BadAdd(string reason) => new(StatusCodes.Status400BadRequest, reason);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "Asked to remove this node while it leads: stepping down so that the next leader removes it")]
    private partial void LogSteppingDown();

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "Membership change '{Change}' failed: {Outcome}")]
    private partial void LogChangeFailed(string change, MembershipOutcome outcome);
}
