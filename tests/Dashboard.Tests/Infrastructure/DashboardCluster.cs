namespace RaftTimers.Dashboard.Tests.Infrastructure;

/// <summary>
/// A real 3-node cluster (node processes through tools/cluster), a callback receiver, and one headless Chromium, shared
/// by the tests of one collection. Retries start at 200 ms and a firing gets 2 attempts, so a failed delivery shows
/// within a second or two.
/// </summary>
public class DashboardCluster : IAsyncLifetime
{
    internal LocalCluster Cluster { get; private set; } = null!;

    internal CallbackSink Sink { get; private set; } = null!;

    internal Browser Browser { get; private set; } = null!;

    /// <summary>The timer API token the nodes require; null when the API is open.</summary>
    public virtual string? Token => null;

    public async Task InitializeAsync()
    {
        // The browser first: without Chromium the tests fail at once, before a cluster is started for nothing.
        Browser = await Browser.LaunchAsync();
        Sink = await CallbackSink.StartAsync();
        var args = new List<string> { "--RaftTimers:Delivery:InitialBackoffMs=200", "--RaftTimers:Delivery:MaxAttempts=2" };
        if (Token is not null)
            args.Add($"--RaftTimers:Security:ApiToken={Token}");
        Cluster = await LocalCluster.StartAsync(3, [.. args]);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Cluster is not null)
                await Cluster.DisposeAsync();
        }
        finally
        {
            if (Sink is not null)
                await Sink.DisposeAsync();
            if (Browser is not null)
                await Browser.DisposeAsync();
        }
    }

    /// <summary>Node URLs of the leader and the two followers.</summary>
    internal async Task<(string Leader, string Follower, string OtherFollower)> RolesAsync()
    {
        var leader = await Cluster.LeaderIndexAsync();
        var others = Enumerable.Range(1, Cluster.Urls.Count).Where(i => i != leader).ToArray();
        return (Cluster.Urls[leader - 1], Cluster.Urls[others[0] - 1], Cluster.Urls[others[1] - 1]);
    }
}

/// <summary>The same, with the timer API token on (random per run).</summary>
public sealed class SecuredDashboardCluster : DashboardCluster
{
    public override string? Token { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardCluster>
{
    public const string Name = "dashboard on a 3-node cluster";
}

[CollectionDefinition(Name)]
public sealed class SecuredDashboardCollection : ICollectionFixture<SecuredDashboardCluster>
{
    public const string Name = "dashboard on a 3-node cluster with an API token";
}
