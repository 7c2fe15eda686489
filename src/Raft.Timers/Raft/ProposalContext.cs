using RaftTimers.Commands;

namespace RaftTimers.Raft;

/// <summary>
/// Travels with a proposed entry as its Raft context. DotNext hands it back to apply on the node that
/// appended the entry (DOTNEXT-NOTES.md), where the per-command results are stored for the waiting callers.
/// </summary>
internal sealed class ProposalContext(int commandCount)
{
    public readonly List<CommandResult> Results = new(commandCount);

    private volatile bool applied;

    public bool Applied => applied;

    public void MarkApplied() => applied = true;
}
