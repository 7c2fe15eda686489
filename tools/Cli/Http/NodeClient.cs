using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace RaftTimers.Tools.Cli.Http;

/// <summary>
/// Sends one request to the cluster through the first node that answers. Any node serves the whole API (a follower
/// forwards writes to the leader), so the nodes are tried in the order given and the next one is tried only when a
/// node could not be reached at all: nothing was sent, so trying elsewhere cannot repeat a write. A node that was
/// reached but stopped answering is tried past only for repeatable requests (reads, and a create with its id, which
/// the API makes an idempotent retry). A write that was sent and got no answer has an unknown outcome, and that is
/// said instead of guessing (exit code 4), also when a repeatable write then found no node that answered; a read
/// that found no node that answered is exit code 3.
/// </summary>
internal sealed class NodeClient : IDisposable
{
    private readonly HttpClient http;
    private readonly IReadOnlyList<Uri> nodes;
    private readonly TimeSpan requestTimeout;

    public NodeClient(IReadOnlyList<Uri> nodes, TimeSpan requestTimeout)
    {
        this.nodes = nodes;
        this.requestTimeout = requestTimeout;
        var connectTimeout = requestTimeout < TimeSpan.FromSeconds(5) ? requestTimeout : TimeSpan.FromSeconds(5);
        http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = connectTimeout, AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("rafttimers-cli", typeof(NodeClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public IReadOnlyList<Uri> Nodes => nodes;

    /// <param name="pathAndQuery">Starts with '/', appended to each node's base URL.</param>
    /// <param name="bearer">The Authorization bearer token, if any.</param>
    /// <param name="jsonBody">A JSON request body, if any.</param>
    /// <param name="headers">Extra request headers.</param>
    /// <param name="repeatable">Whether the request may be sent again to another node after one was reached and did not answer (reads, idempotent writes).</param>
    /// <param name="retryHint">For a write: what the unknown-outcome message tells the user to do instead of the default "check with timers get".</param>
    public async Task<ApiAnswer> SendAsync(HttpMethod method, string pathAndQuery, string? bearer, string? jsonBody,
        IReadOnlyDictionary<string, string>? headers, bool repeatable, CancellationToken cancellation, string? retryHint = null)
    {
        var isRead = method == HttpMethod.Get || method == HttpMethod.Head;
        var writeWasSent = false;
        var problems = new List<string>();
        foreach (var node in nodes)
        {
            using var request = new HttpRequestMessage(method, new Uri(node.AbsoluteUri.TrimEnd('/') + pathAndQuery));
            if (bearer is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            if (jsonBody is not null)
                request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
                request.Headers.TryAddWithoutValidation(name, value);

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            attempt.CancelAfter(requestTimeout);
            try
            {
                using var response = await http.SendAsync(request, attempt.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
                var reason = response.Headers.TryGetValues("x-skyring-reason", out var values) ? string.Join(' ', values) : null;
                return new ApiAnswer(node, response.StatusCode, body, reason);
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
                var what = e is OperationCanceledException ? $"did not answer within {requestTimeout.TotalSeconds:0.#} s" : $"stopped answering: {Describe(e)}";
                if (!repeatable)
                    throw UnknownOutcome($"{node} {what} after the request was sent", retryHint);
                writeWasSent |= !isRead;
                problems.Add($"{node}: {what}");
            }
        }

        if (writeWasSent)
            throw UnknownOutcome($"no node answered, and the request was sent to at least one ({string.Join("; ", problems)})", retryHint);
        throw new CliFailure($"no node answered ({string.Join("; ", problems)})", ExitCodes.Unreachable);
    }

    private static CliFailure UnknownOutcome(string what, string? retryHint)
        => new($"{what}; its outcome is unknown ({retryHint ?? "check with timers get / timers cluster status"})", ExitCodes.Unavailable);

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

    public void Dispose() => http.Dispose();
}
