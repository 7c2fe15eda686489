using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using RaftTimers.Node.Answers;
using RaftTimers.Cluster.Membership;

namespace RaftTimers.Node.Admin;

/// <summary>
/// The admin endpoints' calls to another node's HTTP API: checking that a node about to be added is really
/// waiting to join at that Raft address, and telling a removed node that it was removed.
/// </summary>
public sealed partial class PeerClient(HttpClient client, ILogger<PeerClient> logger)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A node's GET /cluster answer is a few hundred bytes per member.</summary>
    private const int MaxAnswerBytes = 256 * 1024;

    /// <summary>The content, or null when it is longer than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadAtMostAsync(HttpContent content, int limit, CancellationToken token)
    {
        if (content.Headers.ContentLength > limit)
            return null;
        await using var stream = await content.ReadAsStreamAsync(token).ConfigureAwait(false);
        var buffer = new byte[limit + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), token).ConfigureAwait(false)) > 0)
            length += read;
        return length > limit ? null : buffer[..length];
    }

    /// <summary>
    /// Asks the node at <paramref name="api"/> who it is, and refuses (409) to add it unless it is in join mode and
    /// listens for Raft on <paramref name="address"/>: adding a typo or a member of another cluster would be hard to undo.
    /// </summary>
    public async Task CheckJoiningAsync(Uri api, EndPoint address, CancellationToken token)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(CallTimeout);
        JsonDocument document;
        try
        {
            using var response = await client.GetAsync(new Uri(api, "/cluster"), HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new ApiException(StatusCodes.Status502BadGateway, $"the node at {api} answered GET /cluster with {(int)response.StatusCode}");
            // The URL comes from the caller: read a bounded answer, not whatever the far end sends.
            var body = await ReadAtMostAsync(response.Content, MaxAnswerBytes, deadline.Token).ConfigureAwait(false)
                ?? throw new ApiException(StatusCodes.Status502BadGateway, $"the node at {api} answered GET /cluster with more than {MaxAnswerBytes} bytes");
            document = JsonDocument.Parse(body);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException && !token.IsCancellationRequested)
        {
            throw new ApiException(StatusCodes.Status502BadGateway, $"the node at {api} did not answer GET /cluster ({e.GetType().Name}); is it running?");
        }

        using (document)
        {
            var root = document.RootElement;
            var raft = root.TryGetProperty("raft", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            var membership = root.TryGetProperty("membership", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            if (raft != RaftAddress.Format(address))
                throw new ApiException(StatusCodes.Status409Conflict, $"the node at {api} listens for Raft on {raft ?? "an unknown address"}, not {RaftAddress.Format(address)}");
            if (membership != "joining")
                throw new ApiException(StatusCodes.Status409Conflict, $"the node at {api} is not waiting to join (it says '{membership}'); start it with --join true and an empty data directory");
        }
    }

    /// <summary>Whether the node at <paramref name="api"/> answers <c>GET /health/live</c> within <paramref name="timeout"/>.</summary>
    public async Task<bool> IsLiveAsync(string api, TimeSpan timeout, CancellationToken token)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await client.GetAsync(new Uri(new Uri(api), "/health/live"), deadline.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or UriFormatException or OperationCanceledException && !token.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Tells a removed node so, with the caller's admin credentials. Best effort: false if it could not be told.</summary>
    public async Task<bool> TellRemovedAsync(string api, string authorization, CancellationToken token)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(CallTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(api), MembershipEndpoints.RemovedNoticePath));
            if (AuthenticationHeaderValue.TryParse(authorization, out var header))
                request.Headers.Authorization = header;
            using var response = await client.SendAsync(request, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
                return true;
            LogNoticeRefused(api, (int)response.StatusCode);
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or UriFormatException or OperationCanceledException && !token.IsCancellationRequested)
        {
            LogNoticeFailed(api, e.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(EventId = 6301, Level = LogLevel.Warning, Message = "The removed node at {Api} refused the notice of its removal with {Status}; stop it by hand")]
    private partial void LogNoticeRefused(string api, int status);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Information, Message = "The removed node at {Api} could not be told of its removal ({Error}); if it is still running, stop it by hand")]
    private partial void LogNoticeFailed(string api, string error);
}
