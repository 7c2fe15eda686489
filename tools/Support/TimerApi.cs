using System.Text;
using System.Text.Json;
using RaftTimers.Client;

namespace RaftTimers.Support;

/// <summary>
/// The tests' calls of the timer API: typed calls go through the client library (<see cref="RaftTimersClient"/>) to
/// one node; <see cref="CreateAsync"/> gives the raw answer, for tests that check the server's statuses and headers.
/// </summary>
public static class TimerApi
{
    public static TimerRequest Request(long timeoutMs, string callbackUri, object? data = null, string method = "post")
        => new(timeoutMs, new CallbackTarget(callbackUri, method), data is null ? null : JsonSerializer.SerializeToNode(data));

    /// <summary>The JSON body a Skyring client sends for a timer.</summary>
    public static string Body(long timeoutMs, string callbackUri, object? data = null, string method = "post")
        => Encoding.UTF8.GetString(TimerApiProtocol.Body(Request(timeoutMs, callbackUri, data, method)));

    /// <summary>A client of the one node at <paramref name="nodeUrl"/>, over the test's <paramref name="http"/>; ids are the server's unless given.</summary>
    public static RaftTimersClient Client(this HttpClient http, string nodeUrl)
        => new(http, new RaftTimersClientOptions
        {
            Nodes = [new Uri(nodeUrl)],
            RequestTimeout = http.Timeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(100) : http.Timeout,
            ClientMadeIds = false,
        });

    /// <summary>POST /timer with a raw body and, when given, the client's id; the caller reads the answer.</summary>
    public static async Task<HttpResponseMessage> CreateAsync(this HttpClient http, string nodeUrl, string? id, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, nodeUrl + TimerApiProtocol.TimersPath)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (id is not null)
            request.Headers.Add(TimerApiProtocol.TimerIdHeader, id);
        return await http.SendAsync(request);
    }

    /// <summary>Creates a timer and requires 201 at <c>/timer/{id}</c>; returns when the client sent it, for "not early" checks.</summary>
    public static async Task<DateTimeOffset> CreateOkAsync(this HttpClient http, string nodeUrl, string id, long timeoutMs, string callbackUri, object? data = null)
    {
        var sentAt = DateTimeOffset.UtcNow;
        var created = await http.Client(nodeUrl).CreateAsync(Request(timeoutMs, callbackUri, data), id);
        if (created.Id != id || created.Location != $"/timer/{id}")
            throw new HttpRequestException($"create {id} via {nodeUrl}: answered for {created.Id} at {created.Location}, not /timer/{id}");
        return sentAt;
    }

    /// <summary>The timer as the node shows it, or null when it has none.</summary>
    public static Task<TimerInfo?> GetAsync(this HttpClient http, string nodeUrl, string id) => http.Client(nodeUrl).GetAsync(id);

    /// <summary>The <c>x-skyring-reason</c> of an answer, or "" when it has none.</summary>
    public static string Reason(HttpResponseMessage response) => TimerApiProtocol.Reason(response) ?? "";

    /// <summary>Every timer a node holds whose id starts with <paramref name="prefix"/>, through all pages of GET /timer.</summary>
    public static async Task<List<TimerInfo>> ListAllAsync(this HttpClient http, string nodeUrl, string prefix)
    {
        var timers = new List<TimerInfo>();
        await foreach (var timer in http.Client(nodeUrl).ListAllAsync(new TimerQuery(limit: TimerQuery.MaxLimit, after: null)))
        {
            if (timer.Id.StartsWith(prefix, StringComparison.Ordinal))
                timers.Add(timer);
        }

        return timers;
    }

}
