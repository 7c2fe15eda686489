using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Apply;

/// <summary>
/// Travels with a proposed entry as its Raft context. DotNext hands it back to apply on the node that
/// appended the entry (docs/dotnext.md), where the per-command results are stored for the waiting callers.
/// </summary>
/// <remarks>
/// DotNext keys contexts by log index only. If this node is deposed before its entry commits, another
/// leader's entry can take that index and arrive here with this context still attached, so the context
/// remembers the term it was proposed in and apply uses it only for an entry of that same term.
/// </remarks>
internal sealed class ProposalContext(int commandCount, long term)
{
    public readonly List<CommandResult> Results = new(commandCount);

    public long Term { get; } = term;

    private volatile bool applied;

    public bool Applied => applied;

    public void MarkApplied() => applied = true;
}
