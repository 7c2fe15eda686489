namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>
/// Where the run's hosts ("n1".."nN", "sink", "client") live: all on loopback with distinct ports, or each in
/// its own network namespace of a lab network (where partitions are possible).
/// </summary>
public interface IHostNetwork : IAsyncDisposable
{
    /// <summary>"loopback" or "netns", for the report.</summary>
    string Mode { get; }

    bool CanPartition { get; }

    string AddressOf(string host);

    int HttpPortOf(string host);

    int RaftPortOf(string host);

    /// <summary>The command line that runs <paramref name="command"/> as <paramref name="host"/>.</summary>
    IReadOnlyList<string> Wrap(string host, IReadOnlyList<string> command);

    /// <summary>An HTTP handler whose connections come from the client host.</summary>
    HttpMessageHandler CreateClientHandler();

    /// <summary>Hosts in different components cannot reach each other (nodes only; sink and client stay reachable).</summary>
    Task PartitionAsync(IReadOnlyList<IReadOnlyList<string>> components);

    /// <summary>Drops traffic between each pair of nodes, both ways.</summary>
    Task CutAsync(IEnumerable<(string A, string B)> pairs);

    Task HealAsync();
}
