namespace RaftTimers.Cluster.Propose;

/// <summary>Limits of group commit (docs/design.md, performance design).</summary>
public sealed class ProposerOptions
{
    /// <summary>The most commands packed into one log entry.</summary>
    public int MaxCommandsPerEntry { get; set; } = 256;

    /// <summary>
    /// The most bytes of commands packed into one entry (estimated before encoding); an entry always
    /// takes at least one command. Keeps entries far from the codec's and the transport's limits.
    /// </summary>
    public int MaxEntryBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How many entries may be replicating at once; more proposals wait and join later entries.</summary>
    public int MaxEntriesInFlight { get; set; } = 8;

    /// <summary>How many commands may wait for an entry before callers are slowed down.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>How long one entry may take to commit before its callers hear "outcome unknown".</summary>
    public int CommitTimeoutMs { get; set; } = 10_000;
}
