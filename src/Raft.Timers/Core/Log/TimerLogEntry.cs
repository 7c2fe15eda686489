
namespace RaftTimers.Core.Log;

/// <summary>
/// The decoded payload of one Raft log entry: the leader's wall-clock stamp (Unix ms) taken when it
/// proposed the entry, and the commands packed into it, in order.
/// </summary>
public sealed record TimerLogEntry(long StampUnixMs, IReadOnlyList<TimerCommand> Commands);
