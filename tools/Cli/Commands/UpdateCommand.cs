using System.CommandLine;
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
            var body = timer.Body(parse);
            using var session = Session.Open(parse);
            // Not repeated on another node after one was reached: a second PUT would move the due time and the version again.
            var answer = (await session.Client.SendAsync(HttpMethod.Put, $"/timer/{timerId}", GlobalOptions.TimerToken(parse), body, null,
                repeatable: false, cancellation)).EnsureSuccess($"update '{timerId}'");
            var json = answer.Json();
            if (session.Json)
                session.WriteJson(json);
            else
                session.Out.WriteLine($"updated {timerId}: due at {TimerView.Text(json, "dueAt")}, version {TimerView.Text(json, "version")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
