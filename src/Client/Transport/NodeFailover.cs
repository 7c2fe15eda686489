using System.Net.Http.Headers;
using System.Net.Sockets;

namespace RaftTimers.Client.Transport;

/// <summary>
/// Sends one request to the cluster through the first node that answers. Any node serves the whole API (a follower
/// forwards writes to the leader), so the nodes are tried in the order given, and the next one is tried only when a
/// node could not be reached at all: nothing was sent, so trying elsewhere cannot repeat a write. A node that was
/// reached but stopped answering is tried past only for repeatable requests (reads, and a create with its id, which
/// the API makes an idempotent retry). A write that was sent and got no answer has an unknown outcome, and that is
/// reported instead of guessed, also when a repeatable write then found no node that answered.
/// </summary>
internal sealed class NodeFailover(HttpClient http, RaftTimersClientOptions options)
{
    /// <param name="repeatable">Whether the request may be sent to another node after one was reached and did not answer.</param>
    /// <param name="timerId">The timer a write is for, named by an unknown outcome.</param>
    /// <param name="ifMatchVersion">For a replace: the only version it may replace.</param>
    public async Task<NodeAnswer> SendAsync(HttpMethod method, string pathAndQuery, string? bearer, byte[]? jsonBody,
        string? timerIdHeader, bool repeatable, string? timerId, CancellationToken cancellation, long? ifMatchVersion = null)
    {
        var isRead = method == HttpMethod.Get || method == HttpMethod.Head;
        var writeWasSent = false;
        var problems = new List<string>();
        foreach (var node in options.Nodes)
        {
            using var request = new HttpRequestMessage(method, new Uri(node.AbsoluteUri.TrimEnd('/') + pathAndQuery));
            if (bearer is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            if (jsonBody is not null)
                request.Content = TimerApiProtocol.JsonContent(jsonBody);
            if (timerIdHeader is not null)
                request.Headers.TryAddWithoutValidation(TimerApiProtocol.TimerIdHeader, timerIdHeader);
            if (ifMatchVersion is { } version)
                request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
            request.Headers.TryAddWithoutValidation("User-Agent", options.UserAgent);

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            attempt.CancelAfter(options.RequestTimeout);
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attempt.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
                return new NodeAnswer(node, response.StatusCode, body, TimerApiProtocol.Reason(response),
                    response.Headers.TryGetValues(TimerApiProtocol.TimerIdHeader, out var ids) ? ids.FirstOrDefault() : null,
                    response.Headers.RetryAfter?.Delta);
            }
            catch (HttpRequestException e) when (IsConnectFailure(e))
            {
                problems.Add($"{node}: {Describe(e)}");
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested && !attempt.IsCancellationRequested)
            {
                problems.Add($"{node}: did not accept a connection in time"); // the handler's ConnectTimeout
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellation.IsCancellationRequested)
            {
                var what = e is OperationCanceledException
                    ? $"did not answer within {options.RequestTimeout.TotalSeconds:0.#} s"
                    : $"stopped answering: {Describe(e)}";
                if (!repeatable && !isRead)
                    throw new TimerOutcomeUnknownException($"{node} {what} after the request was sent; its outcome is unknown", timerId, e);
                writeWasSent |= !isRead;
                problems.Add($"{node}: {what}");
            }
        }

        if (writeWasSent)
            throw new TimerOutcomeUnknownException(
                $"no node answered, and the request was sent to at least one ({string.Join("; ", problems)}); its outcome is unknown", timerId);
        throw new NoNodeAnsweredException($"no node answered ({string.Join("; ", problems)})");
    }

    /// <summary>The handler the client makes for itself and registers by default: connect timeout, no redirects.</summary>
    public static SocketsHttpHandler CreateHandler(RaftTimersClientOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout < options.RequestTimeout ? options.ConnectTimeout : options.RequestTimeout,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    /// <summary>The request never reached a server: refused, unresolvable or unroutable. Nothing was sent.</summary>
    private static bool IsConnectFailure(HttpRequestException e)
        => e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
           || (e.HttpRequestError == HttpRequestError.Unknown && e.InnerException is SocketException);

    private static string Describe(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null)
            innermost = innermost.InnerException;
        return innermost == e || e.Message.Contains(innermost.Message, StringComparison.Ordinal) ? e.Message : $"{e.Message} ({innermost.Message})";
    }
}
