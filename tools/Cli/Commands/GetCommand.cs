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
            var answer = (await session.Client.SendAsync(HttpMethod.Get, $"/timer/{timerId}", GlobalOptions.TimerToken(parse), null, null,
                repeatable: true, cancellation)).EnsureSuccess($"get '{timerId}'");
            var json = answer.Json();
            if (session.Json)
                session.WriteJson(json);
            else
                TimerView.WriteDetail(session.Out, json);
            return ExitCodes.Success;
        });
        return command;
    }
}
