namespace RaftTimers.Core.Log;

/// <summary>What applying one command did. The HTTP layer maps these to status codes in one place.</summary>
public enum CommandOutcome : byte
{
    /// <summary>The command changed the state.</summary>
    Applied = 1,

    /// <summary>The same command had already been applied (an idempotent retry); nothing changed.</summary>
    AlreadyApplied = 2,

    /// <summary>No timer with that id, or not in a state the command applies to (e.g. cancel of a fired timer).</summary>
    NotFound = 3,

    /// <summary>A create with an existing id and a different spec, or an update that expected another version.</summary>
    Conflict = 4,

    /// <summary>A fire or delivery result for a version or attempt that is no longer current: ignored.</summary>
    Stale = 5,

    /// <summary>The command was never applied: this node is not the leader (or lost leadership before commit).</summary>
    NotLeader = 6,

    /// <summary>
    /// The proposal failed in a way that leaves its fate unknown (e.g. a timeout while replicating):
    /// it may or may not have been committed.
    /// </summary>
    Indeterminate = 7,

    /// <summary>The proposal was refused before reaching the log (a limit, shutdown).</summary>
    Rejected = 8,
}

/// <summary>
/// The result of one command: for a timer command, the timer's version and due time after it when they exist; for a
/// purge, how many finished timers it removed (<paramref name="Purged"/>).
/// </summary>
public readonly record struct CommandResult(CommandOutcome Outcome, long Version = 0, long DueAtUnixMs = 0, string? Reason = null, int Purged = 0)
{
    public bool Succeeded => Outcome is CommandOutcome.Applied or CommandOutcome.AlreadyApplied;

    public static CommandResult Of(CommandOutcome outcome) => new(outcome);
}
