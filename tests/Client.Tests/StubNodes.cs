using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace RaftTimers.Client.Tests;

/// <summary>
/// Stands in for the network between the client and its nodes: each node (by host) behaves as the test says, and
/// every request that reached a node is recorded with its headers and body.
/// </summary>
internal sealed class StubNodes : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> nodes = new();

    public ConcurrentQueue<Sent> Requests { get; } = new();

    public sealed record Sent(string Node, HttpMethod Method, string PathAndQuery, string? TimerId, string? Authorization, string? IfMatch, string Body);

    public static Uri Url(string node) => new($"http://{node}:8080");

    public StubNodes On(string node, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> behaviour)
    {
        nodes[node] = behaviour;
        return this;
    }

    public StubNodes Answer(string node, HttpStatusCode status, string body = "", string contentType = "application/json",
        Action<HttpResponseMessage>? headers = null)
        => On(node, (_, _) =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };
            headers?.Invoke(response);
            return Task.FromResult(response);
        });

    /// <summary>The connection is refused: nothing reaches the node.</summary>
    public StubNodes Refuse(string node)
        => On(node, (_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));

    /// <summary>The node takes the request and never answers.</summary>
    public StubNodes Hang(string node)
        => On(node, async (_, cancellation) =>
        {
            await Task.Delay(Timeout.Infinite, cancellation);
            throw new InvalidOperationException("unreachable");
        });

    public RaftTimersClient Client(Action<RaftTimersClientOptions>? configure = null, params string[] order)
    {
        var options = new RaftTimersClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) };
        foreach (var node in order)
            options.Nodes.Add(Url(node));
        configure?.Invoke(options);
        return new RaftTimersClient(new HttpClient(this) { Timeout = Timeout.InfiniteTimeSpan }, options);
    }

    public IReadOnlyList<string> NodesReached() => [.. Requests.Select(r => r.Node)];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var node = request.RequestUri!.Host;
        if (!nodes.TryGetValue(node, out var behaviour))
            throw new HttpRequestException(HttpRequestError.NameResolutionError, $"no such host {node}");
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        // A refused connection throws here, before the request is recorded: it never reached the node.
        var response = behaviour(request, cancellationToken);
        Requests.Enqueue(new Sent(node, request.Method, request.RequestUri.PathAndQuery,
            request.Headers.TryGetValues(TimerApiProtocol.TimerIdHeader, out var ids) ? ids.Single() : null,
            request.Headers.Authorization?.ToString(),
            request.Headers.TryGetValues("If-Match", out var match) ? match.Single() : null,
            body));
        return await response;
    }
}
