using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Diagnostics;

/// <summary>
/// Hears of every timer entry this node applies, with what each command did: the host's dashboard counts creates,
/// fires, deliveries and failures from it. Every node applies every committed entry, so every node's observer sees
/// the same entries with the same results, and figures kept from them are cluster-wide on any node.
/// The state machine knows nothing of it: <see cref="Apply.AppliedState"/> calls it after <c>Apply</c> returns.
/// </summary>
/// <remarks>
/// Called on the apply loop under the store's lock, so a call must be short, must not block and must not throw
/// (the store stops calling an observer that throws, see <see cref="Apply.AppliedState.ObserverFault"/>). Entries a node
/// receives inside a snapshot are never seen one by one; <see cref="StateReplaced"/> says when that happened.
/// </remarks>
public interface IApplyObserver
{
    /// <summary>
    /// Entry <paramref name="index"/> was applied at <paramref name="stampUnixMs"/> (the leader's stamp as apply used it,
    /// never below an earlier one). <paramref name="results"/> holds one result per command, in order; <paramref name="events"/>
    /// what the entry means for the leader's wheel. The lists are reused after the call returns: copy what you keep.
    /// </summary>
    void Applied(long index, long stampUnixMs, IReadOnlyList<TimerCommand> commands, IReadOnlyList<CommandResult> results,
        IReadOnlyList<TimerEvent> events);

    /// <summary>The whole state was replaced by a snapshot (at start, or installed from the leader).</summary>
    void StateReplaced();
}
