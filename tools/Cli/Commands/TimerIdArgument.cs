using System.CommandLine;

namespace RaftTimers.Tools.Cli.Commands;

internal static class TimerIdArgument
{
    public static Argument<string> Create(string description) => new("ID") { Description = description };
}
