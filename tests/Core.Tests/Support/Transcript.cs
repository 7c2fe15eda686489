using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>
/// Drives a <see cref="TimerStateMachine"/> the way the Raft apply loop does: one entry at a time,
/// with increasing indexes and a leader stamp per entry. Each entry goes through the log codec,
/// so the tests see exactly what a follower would decode.
/// </summary>
internal sealed class Transcript
{
    public TimerStateMachine State { get; } = new();

    /// <summary>The events of the last applied entry.</summary>
    public List<TimerEvent> Events { get; } = [];

    public long Index { get; private set; }

    public CommandResult[] At(long stampUnixMs, params TimerCommand[] commands)
    {
        Index++;
        Events.Clear();
        var results = new List<CommandResult>();
        State.Apply(Index, LogEntryCodec.Encode(stampUnixMs, commands), results, Events);
        Assert.Equal(commands.Length, results.Count);
        return [.. results];
    }

    public CommandResult One(long stampUnixMs, TimerCommand command) => At(stampUnixMs, command)[0];

    public TimerRecord Timer(string id) => State.Find(id) ?? throw new Xunit.Sdk.XunitException($"timer {id} is not in the state");
}
