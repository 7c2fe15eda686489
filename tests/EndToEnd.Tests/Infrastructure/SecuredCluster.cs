using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A 3-node cluster with the timer API token on and a few callback deny entries of its own (next to the
/// defaults), and a callback sink on 127.0.0.1, which the policy leaves allowed. The token is random per run.
/// </summary>
public sealed class SecuredCluster : IAsyncLifetime
{
    public const string DenyEntries = "blocked.test,*.blocked.test,203.0.113.0/24";

    public string Token { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    internal LocalCluster Cluster { get; private set; } = null!;

    internal CallbackSink Sink { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Sink = await CallbackSink.StartAsync();
        Cluster = await LocalCluster.StartAsync(3,
            $"--RaftTimers:Security:ApiToken={Token}",
            $"--RaftTimers:Security:Callbacks:Deny={DenyEntries}",
            "--RaftTimers:Delivery:InitialBackoffMs=200");
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Sink.DisposeAsync();
    }

    /// <summary>Node URLs of the leader and a follower, and their 1-based indexes.</summary>
    internal async Task<(string Leader, string Follower, int LeaderIndex)> RolesAsync()
    {
        var leader = await Cluster.LeaderIndexAsync();
        var follower = leader % Cluster.Urls.Count + 1;
        return (Cluster.Urls[leader - 1], Cluster.Urls[follower - 1], leader);
    }

    /// <summary>Sends a timer API request with the given Authorization header value (none when null).</summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? authorization, string? body = null, string? timerId = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (timerId is not null)
            request.Headers.Add("x-timer-id", timerId);
        if (authorization is not null)
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return await Cluster.Http.SendAsync(request);
    }

    /// <summary>The right Authorization header value.</summary>
    internal string Bearer => $"Bearer {Token}";

    /// <summary>A client of one node that sends the right token.</summary>
    internal RaftTimersClient Client(string node) => new(Cluster.Http, new RaftTimersClientOptions
    {
        Nodes = [new Uri(node)],
        RequestTimeout = TimeSpan.FromSeconds(30),
        ApiToken = Token,
        ClientMadeIds = false,
    });

    /// <summary>Creates a timer with the right token; a refusal throws.</summary>
    internal Task CreateOkAsync(string node, string id, long timeoutMs, string callbackUri)
        => Client(node).CreateAsync(TimerApi.Request(timeoutMs, callbackUri), id);

    /// <summary>Reads a timer with the right token; null when it does not exist.</summary>
    internal Task<TimerInfo?> GetAsync(string node, string id) => Client(node).GetAsync(id);
}
