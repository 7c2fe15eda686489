using System.CommandLine;
using RaftTimers.Client;
using RaftTimers.Tools.Cli.Input;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>
/// <c>timers pause ID</c> (POST /timer/{id}/pause) and <c>timers resume ID</c> (POST /timer/{id}/resume): a paused
/// timer does not fire until it is resumed; both succeed again when repeated. <c>timers retry ID</c>
/// (POST /timer/{id}/retry) delivers a failed timer again.
/// </summary>
internal static class HoldCommands
{
    public static Command Pause() => Build("pause", "Pause a pending timer: it does not fire, however due, until resumed (again for a paused one; 404 if it is firing, finished or unknown)",
        static (client, id, cancellation) => client.PauseAsync(id, cancellation));

    public static Command Resume() => Build("resume", "Resume a paused timer: it fires at its due time, or at once if that passed (again for a pending one; 404 if it is firing, finished or unknown)",
        static (client, id, cancellation) => client.ResumeAsync(id, cancellation));

    public static Command Retry() => Build("retry", "Deliver a failed timer again (re-drive): the same firing, with fresh attempts and the same Idempotency-Key (404 if it is not failed)",
        static (client, id, cancellation) => client.RetryAsync(id, cancellation));

    private static Command Build(string name, string description, Func<RaftTimersClient, string, CancellationToken, Task<TimerReceipt>> call)
    {
        var id = TimerIdArgument.Create($"Id of the timer to {name}");
        var command = new Command(name, description);
        command.Arguments.Add(id);
        command.SetAction(async (parse, cancellation) =>
        {
            var timerId = TimerInput.RequireId(parse.GetValue(id), "the timer id");
            using var session = Session.Open(parse);
            var receipt = await ClientCalls.RunAsync($"{name} '{timerId}'", () => call(session.Client, timerId, cancellation));
            if (session.Json)
                session.WriteJson(receipt);
            else
                session.Out.WriteLine($"{receipt.State} {timerId} v{receipt.Version} due {TimerApiProtocol.FormatTime(receipt.DueAt)}");
            return ExitCodes.Success;
        });
        return command;
    }
}
