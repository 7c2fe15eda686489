namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One 3-node cluster and one callback sink shared by the tests that leave the cluster healthy.
/// Retries start at 200 ms so retry tests finish quickly.
/// </summary>
public sealed class ThreeNodeCluster : IAsyncLifetime
{
    internal LocalCluster Cluster { get; private set; } = null!;

    internal CallbackSink Sink { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Sink = await CallbackSink.StartAsync();
        Cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Delivery:InitialBackoffMs=200", "--RaftTimers:Delivery:MaxAttempts=4");
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Sink.DisposeAsync();
    }

    /// <summary>Node URLs with the leader's index, and a follower's.</summary>
    internal async Task<(string Leader, string Follower, string OtherFollower)> RolesAsync()
    {
        var leader = await Cluster.LeaderIndexAsync();
        var others = Enumerable.Range(1, Cluster.Urls.Count).Where(i => i != leader).ToArray();
        return (Cluster.Urls[leader - 1], Cluster.Urls[others[0] - 1], Cluster.Urls[others[1] - 1]);
    }
}

[CollectionDefinition(Name)]
public sealed class ThreeNodeCollection : ICollectionFixture<ThreeNodeCluster>
{
    public const string Name = "three-node cluster";
}
