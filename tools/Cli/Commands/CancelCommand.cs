using System.CommandLine;
using System.Text.Json.Nodes;
using RaftTimers.Tools.Cli.Input;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary><c>timers cancel ID</c>: DELETE /timer/{id}. Success (202) means the callback will never be delivered.</summary>
internal static class CancelCommand
{
    public static Command Build()
    {
        var id = TimerIdArgument.Create("Id of the pending timer to cancel");
        var command = new Command("cancel", "Cancel a pending timer; once this succeeds its callback is never delivered (again for a cancelled one; 404 if it fired or is unknown)");
        command.Arguments.Add(id);
        command.SetAction(async (parse, cancellation) =>
        {
            var timerId = TimerInput.RequireId(parse.GetValue(id), "the timer id");
            using var session = Session.Open(parse);
            await ClientCalls.RunAsync($"cancel '{timerId}'", () => session.Client.CancelAsync(timerId, cancellation));
            if (session.Json)
                session.WriteJson(new JsonObject { ["id"] = timerId, ["cancelled"] = true });
            else
                session.Out.WriteLine($"cancelled {timerId}");
            return ExitCodes.Success;
        });
        return command;
    }
}
