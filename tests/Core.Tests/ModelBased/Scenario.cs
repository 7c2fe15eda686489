using System.Text;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>One log entry of a scenario: a batch of commands with the leader's stamp, or a skipped (non-timer) entry.</summary>
internal sealed record ScenarioEntry(long Index, long StampUnixMs, TimerCommand[] Commands, bool IsSkip)
{
    public byte[] Encode() => LogEntryCodec.Encode(StampUnixMs, Commands);

    /// <summary>Applies the entry the way the Raft glue does: skipped entries only advance the index; others go through the codec.</summary>
    public void ApplyTo(TimerStateMachine state, List<CommandResult>? results = null, List<TimerEvent>? events = null)
    {
        if (IsSkip)
            state.Skip(Index);
        else
            state.Apply(Index, Encode(), results, events);
    }

    public override string ToString()
        => IsSkip ? $"#{Index} skip" : $"#{Index} @{StampUnixMs}: {string.Join("; ", Commands.Select(CommandAssert.Describe))}";
}

/// <summary>A generated log; printed as a transcript when a property fails.</summary>
internal sealed class Scenario(IReadOnlyList<ScenarioEntry> entries)
{
    public IReadOnlyList<ScenarioEntry> Entries { get; } = entries;

    public override string ToString()
    {
        var text = new StringBuilder().AppendLine($"{Entries.Count} entries:");
        foreach (var entry in Entries)
            text.Append("  ").AppendLine(entry.ToString());
        return text.ToString();
    }
}
