using System.Net;
using RaftTimers.Cluster.Clock;

namespace RaftTimers.Cluster.Hosting;

/// <summary>Who this node is in the Raft group and where it keeps its log.</summary>
public sealed class RaftOptions
{
    public required string NodeId { get; init; }

    /// <summary>
    /// This node's Raft address, as the other members reach it and know it (<see cref="Membership.RaftAddress"/>): an
    /// <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> they resolve on every connect.
    /// </summary>
    public required EndPoint RaftEndPoint { get; init; }

    /// <summary>Where the Raft transport listens; null: <see cref="RaftEndPoint"/> itself for an IP, every IPv4 interface on its port for a name.</summary>
    public IPEndPoint? RaftListenEndPoint { get; init; }

    /// <summary>This node's HTTP API base URL, published to the other members so followers can forward to the leader.</summary>
    public required string ApiUrl { get; init; }

    /// <summary>The members of a new cluster, this node included. Used once, when the membership storage is empty.</summary>
    public required IReadOnlyList<EndPoint> InitialMembers { get; init; }

    public required string DataDirectory { get; init; }

    /// <summary>
    /// Join mode: start with no members instead of <see cref="InitialMembers"/>, receive the log from the leader
    /// that adds this node (<c>POST /cluster/members</c>), and become a voter once that change commits. Ignored
    /// once the node's storage holds a configuration, so a joined node restarts like any member.
    /// </summary>
    public bool Join { get; init; }

    /// <summary>
    /// Creates a new cluster of <see cref="InitialMembers"/>: needed, with more than one member, the first time a node
    /// starts with an empty data directory. Without it such a node refuses to start, because an empty directory may
    /// also mean a member that lost its data, and seeding that one as a voter with an empty log could elect a leader
    /// that lacks committed entries. Ignored once the node's storage holds a configuration.
    /// </summary>
    public bool Bootstrap { get; init; }

    /// <summary>300/600 ms: safer than DotNext's 150/300 on a loaded 2-core machine (docs/dotnext.md).</summary>
    public int LowerElectionTimeoutMs { get; init; } = Defaults.LowerElectionTimeoutMs;

    public int UpperElectionTimeoutMs { get; init; } = Defaults.UpperElectionTimeoutMs;

    /// <summary>
    /// How long one Raft request (append entries, vote, install snapshot) may take. DotNext's default, the lower
    /// election timeout (300 ms), is too short for a follower to receive and install a snapshot of tens of MB; a longer
    /// one means that while a follower hangs, the leader can stall commits for up to this long when its log compaction
    /// waits for the hung request's read of the log (docs/benchmarks.md).
    /// </summary>
    public int RequestTimeoutMs { get; init; } = Defaults.RequestTimeoutMs;

    /// <summary>A snapshot every this many applied entries lets the log be compacted.</summary>
    public long SnapshotEveryEntries { get; init; } = Defaults.SnapshotEveryEntries;

    /// <summary>
    /// Also snapshot once this many bytes of entries were applied since the last snapshot, or as many as the last
    /// snapshot's size if that is larger: replaying the log on restart then never costs much more than reading the
    /// snapshot, and a large state is not rewritten more often than the log grows by its size.
    /// </summary>
    public long SnapshotEveryBytes { get; init; } = Defaults.SnapshotEveryBytes;

    /// <summary>Lifecycle events this node keeps for the event stream (<see cref="Events.EventJournal"/>); older ones go, whole entries at a time.</summary>
    public int RetainedEvents { get; init; } = Events.EventJournal.DefaultCapacity;

    /// <summary>The members' mutual TLS on the Raft port; null for plain TCP, which anyone who reaches the port may speak.</summary>
    public Security.ClusterTls? Tls { get; init; }

    /// <summary>
    /// The log level this node publishes (<see cref="Core.Log.LogLevels"/>): this build's by default. Lower keeps the
    /// whole cluster writing only what builds of that level read, so that during an upgrade the old build can still be
    /// rolled back to; raise it (or drop the setting) on every node to finish the upgrade.
    /// </summary>
    public int LogLevel { get; init; } = Core.Log.LogLevels.Current;

    /// <summary>How this node's clock is compared with the other members' (docs/clocks.md).</summary>
    public ClockOptions Clock { get; init; } = new();

    /// <summary>The defaults of the tuning settings, in one place for the options and the node's configuration.</summary>
    public static class Defaults
    {
        public const int LowerElectionTimeoutMs = 300;
        public const int UpperElectionTimeoutMs = 600;
        public const int RequestTimeoutMs = 2_000;
        public const long SnapshotEveryEntries = 50_000;
        public const long SnapshotEveryBytes = 64L * 1024 * 1024;
    }
}
