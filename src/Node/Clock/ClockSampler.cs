using System.Text.Json;
using RaftTimers.Cluster.Clock;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Membership;
using RaftTimers.Cluster.Security;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Clock;

/// <summary>
/// Feeds this node's <see cref="ClusterClock"/> the other members' clocks: every <see cref="ClockOptions.SampleIntervalMs"/>
/// (or at once when the clock asks, after a step or as a term begins) it reads each member's <c>GET /cluster/time</c>,
/// and after each round keeps the node from leading while a majority of members says its clock is wrong (docs/clocks.md).
/// </summary>
public sealed partial class ClockSampler(TimerNode node, HttpClient client, ILogger<ClockSampler> logger)
{
    /// <summary>A client for the samples alone: one warm connection per member keeps the round trip, and so the error, small.</summary>
    public static HttpClient CreateClient(ClusterTls? tls = null) => new(new SocketsHttpHandler
    {
        SslOptions = PeerTrust.ClientOptions(tls),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 1,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        MaxResponseContentBufferSize = 4096,
    };

    private ClusterClock Clock => node.ClusterClock;

    public async Task RunAsync(CancellationToken stopping)
    {
        var interval = TimeSpan.FromMilliseconds(Clock.Options.SampleIntervalMs);
        var last = ClockVerdict.Unknown;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stopping).ConfigureAwait(false);
                var verdict = Clock.Verdict;
                if (verdict != last)
                {
                    if (verdict == ClockVerdict.Agrees)
                        LogAgrees(last.ToString(), Clock.Options.MaxSkewMs);
                    else
                        LogVerdict(last.ToString(), verdict.ToString(), Clock.Options.MaxSkewMs);
                    last = verdict;
                }

                if (node.Membership.Local == LocalMembership.Member)
                    await node.Membership.HoldCampaignsAsync(Clock.Distrusted, stopping).ConfigureAwait(false);
                await Clock.WaitForNextRoundAsync(interval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Sampling must go on whatever one round met: without it the leader would stop firing.
                LogRoundFailed(e);
                await Task.Delay(interval, Clock.Time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>One sample of every other member, in parallel.</summary>
    public async Task RoundAsync(CancellationToken token)
    {
        var peers = node.View.Members().Where(m => m.IsRemote).Select(m => m.Raft).ToList();
        Clock.SetPeers([.. peers.Select(RaftAddress.Format)]);
        await node.View.LearnMetadataAsync(TimeSpan.FromMilliseconds(Clock.Options.SampleTimeoutMs), token).ConfigureAwait(false);
        // The cluster's log level, learned in the background: what a write may carry without waiting depends on it.
        node.Membership.RefreshLogLevel();
        // Read again: the metadata just learned names the members' API addresses.
        var members = node.View.Members().Where(m => m.IsRemote && peers.Contains(m.Raft)).ToList();
        await Task.WhenAll(members.Select(m => SampleAsync(m, token))).ConfigureAwait(false);
    }

    private async Task SampleAsync(MemberView member, CancellationToken token)
    {
        if (member.ApiUrl is not { } api
            || !Uri.TryCreate(api, UriKind.Absolute, out var baseUri))
            return;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(Clock.Options.SampleTimeoutMs));
        try
        {
            var time = Clock.Time;
            var sentWallMs = Clock.Read().Raw;
            var sentAt = time.GetTimestamp();
            using var response = await client.GetAsync(new Uri(baseUri, "/cluster/time"), deadline.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            var receivedAt = time.GetTimestamp();
            if (!response.IsSuccessStatusCode)
                return;
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("unixMs", out var unixMs) && unixMs.TryGetInt64(out var peerWallMs))
                Clock.Record(RaftAddress.Format(member.Raft), sentWallMs, sentAt, receivedAt, peerWallMs);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException && !token.IsCancellationRequested)
        {
            // Unanswered: this member's last sample ages out, and the verdict leans on the others.
        }
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Clock verdict {From} -> Agrees: a majority of members confirms this node's clock within {MaxSkewMs} ms")]
    private partial void LogAgrees(string from, long maxSkewMs);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Clock verdict {From} -> {To}: what a majority of members says of this node's clock (skew allowed {MaxSkewMs} ms)")]
    private partial void LogVerdict(string from, string to, long maxSkewMs);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "A round of clock samples failed; trying again")]
    private partial void LogRoundFailed(Exception e);
}
