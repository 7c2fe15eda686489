using System.CommandLine;
using RaftTimers.Tools.Cli.Input;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary><c>timers create</c>: POST /timer. The 201 comes once the create is committed on a majority.</summary>
internal static class CreateCommand
{
    public static Command Build()
    {
        var timer = new TimerOptions();
        var id = new Option<string>("--id")
        {
            Description = "Timer id to use (1-128 characters of [A-Za-z0-9._~-]); the server makes one up if absent. "
                + "Creating again with the same id and body is a safe retry; a different body is refused (409)",
            HelpName = "ID",
        };
        var command = new Command("create", "Create a timer that calls --callback after --delay");
        timer.AddTo(command);
        command.Options.Add(id);
        command.SetAction(async (parse, cancellation) =>
        {
            var body = timer.Body(parse);
            var chosenId = parse.GetValue(id) is { } given ? TimerInput.RequireId(given, "--id") : null;
            using var session = Session.Open(parse);
            var headers = chosenId is null ? null : new Dictionary<string, string> { ["x-timer-id"] = chosenId };
            // A create is repeated on another node only when the id is the client's: then the repeat is an idempotent retry.
            var answer = (await session.Client.SendAsync(HttpMethod.Post, "/timer", GlobalOptions.TimerToken(parse), body, headers,
                repeatable: chosenId is not null, cancellation)).EnsureSuccess("create");
            var json = answer.Json();
            if (session.Json)
                session.WriteJson(json);
            else
                session.Out.WriteLine($"created {TimerView.Text(json, "id")}: due at {TimerView.Text(json, "dueAt")}, version {TimerView.Text(json, "version")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
