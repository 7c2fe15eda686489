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
            Description = "Timer id to use (1-128 characters of [A-Za-z0-9._~-]); without it the client makes up a UUIDv7 and prints it. "
                + "Creating again with the same id and body is a safe retry; a different body is refused (409)",
            HelpName = "ID",
        };
        var command = new Command("create", "Create a timer that calls --callback after --delay");
        timer.AddTo(command);
        command.Options.Add(id);
        command.SetAction(async (parse, cancellation) =>
        {
            var body = timer.Body(parse);
            // Always the client's id, never the server's: a create that was sent and got no answer may have happened, and
            // only an id the user knows makes the retry idempotent instead of a second timer with a second callback.
            // UUIDv7 text starts with the time, so new ids append to the server's sorted id index as its own do.
            var timerId = parse.GetValue(id) is { } given ? TimerInput.RequireId(given, "--id") : Guid.CreateVersion7().ToString();
            using var session = Session.Open(parse);
            var headers = new Dictionary<string, string> { ["x-timer-id"] = timerId };
            // With the id, sending the create again (to the next node) is an idempotent retry (docs/api.md).
            var answer = (await session.Client.SendAsync(HttpMethod.Post, "/timer", GlobalOptions.TimerToken(parse), body, headers,
                repeatable: true, cancellation, retryHint: $"it may have created timer {timerId}: retrying with --id {timerId} is safe"))
                .EnsureSuccess($"create {timerId}");
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
