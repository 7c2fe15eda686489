using System.Net;
using DotNext.Buffers;
using DotNext.Net;
using DotNext.Net.Cluster.Consensus.Raft.Membership;

namespace RaftTimers.Cluster.Membership;

/// <summary>
/// Keeps the Raft membership on disk, so runtime membership changes survive a restart
/// (DotNext 6.12 ships only the abstract persistent storage).
/// </summary>
internal sealed class EndPointConfigurationStorage(string fileName) : PersistentClusterConfigurationStorage<EndPoint>(fileName)
{
    protected override void Encode(EndPoint address, ref BufferWriterSlim<byte> writer)
        => writer.WriteEndPoint(address);

    protected override EndPoint Decode(ref SequenceReader reader)
        => reader.ReadEndPoint();

    /// <summary>Whether a configuration was stored before (by a seed, a join, or the log).</summary>
    public async Task<bool> HasConfigurationAsync(CancellationToken token)
        => (await ((IClusterConfigurationStorage<EndPoint>)this).LoadConfigurationAsync(token).ConfigureAwait(false)).Members.Count > 0;

    /// <summary>Writes the initial members; called once, when <see cref="HasConfigurationAsync"/> found none.</summary>
    public async Task SeedAsync(IEnumerable<EndPoint> members, CancellationToken token)
    {
        IClusterConfigurationStorage<EndPoint> storage = this;
        var configuration = await storage.LoadConfigurationAsync(token).ConfigureAwait(false);
        foreach (var member in members)
            configuration = configuration.Add(member);
        await storage.SaveConfigurationAsync(configuration, configurationVersion: 0L, token).ConfigureAwait(false);
    }
}
