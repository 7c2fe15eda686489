using System.CommandLine;
using RaftTimers.Client;
using RaftTimers.Tools.Cli.Input;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary><c>timers update ID</c>: PUT /timer/{id}, which replaces a pending timer's delay (from now), data and callback.</summary>
internal static class UpdateCommand
{
    public static Command Build()
    {
        var timer = new TimerOptions();
        var id = TimerIdArgument.Create("Id of the pending timer to replace");
        var command = new Command("update", "Replace a pending timer: new delay (counted from now), data and callback; the version goes up");
        command.Arguments.Add(id);
        timer.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var timerId = TimerInput.RequireId(parse.GetValue(id), "the timer id");
            var request = timer.Request(parse);
            using var session = Session.Open(parse);
            var updated = await ClientCalls.RunAsync($"update '{timerId}'", () => session.Client.ReplaceAsync(timerId, request, cancellation: cancellation));
            if (session.Json)
                session.WriteJson(updated);
            else
                session.Out.WriteLine($"updated {timerId}: due at {TimerApiProtocol.FormatTime(updated.DueAt)}, version {updated.Version}");
            return ExitCodes.Success;
        });
        return command;
    }
}
