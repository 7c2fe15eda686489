using Microsoft.AspNetCore.Http.Features;
using RaftTimers.Cluster.Forwarding;
using RaftTimers.Core.Log;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Forwarding;

/// <summary>
/// The leader's door for forwarded writes: <c>GET /cluster/forwarding</c> with <c>Upgrade: rafttimers-forward/1</c>
/// switches the connection to <see cref="ForwardingFrames"/>, and a <see cref="ForwardingSession"/> runs each write
/// through <see cref="ForwardedWrites.Start"/>. Every node serves it (a follower answers each write
/// "not leader", which sends the follower looking for the new leader). When the timer API has a token, the upgrade
/// needs it: the channel carries writes the follower already authorized, so it must be as closed as the API itself.
/// Not part of the public API (README, "Forwarding to the leader"); left out of the OpenAPI document.
/// </summary>
public sealed partial class ForwardingEndpoint(ForwardedWrites writes, BearerToken? apiToken, IHostApplicationLifetime lifetime, ILogger<ForwardingEndpoint> logger)
{
    public const string Path = "/cluster/forwarding";

    /// <summary>The forwarding node's id, for the leader's log lines.</summary>
    public const string NodeHeader = "x-raft-timers-node";

    public void Map(IEndpointRouteBuilder app) => app.MapGet(Path, ServeAsync).ExcludeFromDescription();

    private async Task ServeAsync(HttpContext context)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true }
            || !string.Equals(context.Request.Headers.Upgrade.ToString(), ForwardingFrames.Protocol, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.Upgrade = ForwardingFrames.Protocol;
            await ApiError.WriteAsync(context, StatusCodes.Status426UpgradeRequired,
                $"this is the cluster's forwarding channel: an HTTP/1.1 upgrade to {ForwardingFrames.Protocol} is required").ConfigureAwait(false);
            return;
        }

        if (apiToken is not null && apiToken.Check(context.Request) is var check && check != BearerCheck.Accepted)
        {
            await BearerToken.ChallengeAsync(context, check).ConfigureAwait(false);
            return;
        }

        var peer = context.Request.Headers[NodeHeader].ToString();
        context.Response.Headers.Upgrade = ForwardingFrames.Protocol;
        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        LogOpened(peer, context.Connection.RemoteIpAddress?.ToString() ?? "?");
        try
        {
            await new ForwardingSession(stream, writes).RunAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
            LogClosed(peer, "the follower closed it");
        }
        catch (Exception e) when (e is CodecException or IOException)
        {
            LogClosed(peer, $"{e.GetType().Name}: {e.Message}");
        }
    }

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Forwarding connection from node {Peer} ({Address}) opened")]
    private partial void LogOpened(string peer, string address);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Information, Message = "Forwarding connection from node {Peer} closed: {Reason}")]
    private partial void LogClosed(string peer, string reason);
}
