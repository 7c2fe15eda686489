using System.Net;
using RaftTimers.Cluster.Security;
using RaftTimers.Cluster.Service;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Admin;

/// <summary>
/// Replays an admin request (membership, leadership transfer) that reached a follower against the leader's HTTP API,
/// one hop only: the forwarded request carries <see cref="ForwardedHeader"/>, and a node that receives a forwarded request but is not the leader answers
/// 503 instead of forwarding again, so requests never loop between nodes. The client's <c>Authorization</c> header
/// travels with the request, so the leader checks the client's token itself; the forwarded header proves nothing and
/// grants nothing. Timer writes do not come here: they travel the forwarding channel (<see cref="TimerService"/>).
/// </summary>
public sealed class AdminForwarder(TimerService service, string nodeId, HttpClient client, TimeSpan requestTimeout)
{
    public const string ForwardedHeader = "x-raft-timers-forwarded";

    private static readonly string[] RequestHeadersToCopy = ["x-timer-id", "If-Match", "Content-Type", "Authorization"];
    private static readonly string[] ResponseHeadersToCopy = ["Location", ApiError.ReasonHeader, "Retry-After", "WWW-Authenticate"];

    public static bool IsForwarded(HttpRequest request) => request.Headers.ContainsKey(ForwardedHeader);

    /// <summary>
    /// Waits for a leader within the request deadline (<see cref="TimerService.FindLeaderAsync"/>). Returns null when this
    /// node is the leader, the leader's API URL when another node is, and throws a 503 <see cref="ApiException"/> when none
    /// is known in time.
    /// </summary>
    public async ValueTask<string?> FindLeaderAsync(CancellationToken token)
    {
        var leader = await service.FindLeaderAsync(token).ConfigureAwait(false);
        return leader.At switch
        {
            LeaderAt.Here => null,
            LeaderAt.Remote => leader.ApiUrl,
            _ => throw new ApiException(StatusCodes.Status503ServiceUnavailable, TimerService.NoLeaderReason),
        };
    }

    /// <summary>
    /// Replays the request against <paramref name="leaderUrl"/> and copies its answer back, or answers 503 when the
    /// leader does not answer within <paramref name="timeout"/> (the request deadline by default; membership changes
    /// wait longer). Either way the request is answered here, and only the leader may have counted it
    /// (<see cref="Metrics.TimerMetrics"/>): a forwarded write is never counted by the node that forwarded it.
    /// </summary>
    public async Task ForwardAsync(HttpContext context, string leaderUrl, byte[]? body, TimeSpan? timeout = null)
    {
        var request = context.Request;
        var target = new Uri(new Uri(leaderUrl), request.Path + request.QueryString);
        if (request.Headers.ContainsKey("Authorization") && !PeerTrust.MayCarrySecrets(target))
        {
            // Nothing was sent: the change did not happen, and the caller learns what to configure.
            await ApiError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, PeerTrust.WhyNotSecret(target)).ConfigureAwait(false);
            return;
        }

        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (body is not null)
            message.Content = new ByteArrayContent(body);
        foreach (var name in RequestHeadersToCopy)
        {
            if (!request.Headers.TryGetValue(name, out var values))
                continue;
            if (name == "Content-Type")
                message.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            else
                message.Headers.TryAddWithoutValidation(name, values.ToArray());
        }

        message.Headers.TryAddWithoutValidation(ForwardedHeader, nodeId);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeout ?? requestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            // The leader may or may not have applied the write; only a retry with the same x-timer-id is safe.
            await ApiError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"the leader at {leaderUrl} did not answer ({e.GetType().Name}); the write may or may not have happened, retry with the same x-timer-id",
                retryAfterSeconds: 1).ConfigureAwait(false);
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var name in ResponseHeadersToCopy)
            {
                if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                    context.Response.Headers[name] = values.ToArray();
            }

            if (response.Content.Headers.ContentType is { } type)
                context.Response.ContentType = type.ToString();
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    public static HttpClient CreateClient(ClusterTls? tls = null) => new(new SocketsHttpHandler
    {
        SslOptions = PeerTrust.ClientOptions(tls),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 256,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
