using System.CommandLine;
using RaftTimers.Client;
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
            Description = "Timer id to use (1-128 characters of [A-Za-z0-9._~-], not . or ..); without it the client makes up a UUIDv7 and prints it. "
                + "Creating again with the same id and body is a safe retry; a different body is refused (409)",
            HelpName = "ID",
        };
        var command = new Command("create", "Create a timer that calls --callback after --delay");
        timer.AddTo(command);
        command.Options.Add(id);
        command.SetAction(async (parse, cancellation) =>
        {
            var request = timer.Request(parse);
            // Always the client's id, never the server's: a create that was sent and got no answer may have happened, and
            // only an id the user knows makes the retry idempotent instead of a second timer with a second callback.
            var timerId = parse.GetValue(id) is { } given ? TimerInput.RequireId(given, "--id") : RaftTimersClient.NewId();
            using var session = Session.Open(parse);
            var created = await ClientCalls.RunAsync($"create {timerId}", () => session.Client.CreateAsync(request, timerId, cancellation),
                retryHint: $"it may have created timer {timerId}: retrying with --id {timerId} is safe");
            if (session.Json)
                session.WriteJson(created);
            else
                session.Out.WriteLine($"created {created.Id}: due at {TimerApiProtocol.FormatTime(created.DueAt)}, version {created.Version}");
            return ExitCodes.Success;
        });
        return command;
    }
}
