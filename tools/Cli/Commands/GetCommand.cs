using System.CommandLine;
using RaftTimers.Tools.Cli.Input;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary><c>timers get ID</c>: GET /timer/{id}, read through the leader's confirmation (the node waits for Raft's read barrier).</summary>
internal static class GetCommand
{
    public static Command Build()
    {
        var id = TimerIdArgument.Create("Id of the timer");
        var command = new Command("get", "Show a timer: state, due time, callback, data, version, attempts, last error");
        command.Arguments.Add(id);
        command.SetAction(async (parse, cancellation) =>
        {
            var timerId = TimerInput.RequireId(parse.GetValue(id), "the timer id");
            using var session = Session.Open(parse);
            var timer = await ClientCalls.RunAsync($"get '{timerId}'", () => session.Client.GetAsync(timerId, cancellation))
                ?? throw new CliFailure($"get '{timerId}': 404 Not Found: no timer '{timerId}'", ExitCodes.Refused);
            if (session.Json)
                session.WriteJson(timer);
            else
                TimerView.WriteDetail(session.Out, timer);
            return ExitCodes.Success;
        });
        return command;
    }
}
