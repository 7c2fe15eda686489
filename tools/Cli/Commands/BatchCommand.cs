using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RaftTimers.Client;
using RaftTimers.Tools.Cli.Input;
using RaftTimers.Tools.Cli.Output;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>
/// <c>timers batch FILE</c>: POST /timer/batch with the creates and cancels a JSON file lists, in the API's batch form
/// (docs/api.md, "Batches"; <c>-</c> reads standard input). Prints each item's result; exits 0 when every item
/// happened, otherwise with the code of the worst item's status (a batch is partly done, and says which items were).
/// </summary>
internal static class BatchCommand
{
    private sealed record FileItem(string? Id, long? Timeout, DateTimeOffset? DueAt, JsonNode? Data, CallbackTarget? Callback);

    private sealed record FileBatch(List<FileItem>? Create, List<string>? Cancel);

    public static Command Build()
    {
        var file = new Argument<string>("FILE")
        {
            Description = "A JSON file {\"create\": [timer bodies, each with an optional \"id\"], \"cancel\": [ids]}; - for standard input",
        };
        var command = new Command("batch", "Create and cancel many timers in one request, decided in one log entry");
        command.Arguments.Add(file);
        command.SetAction(async (parse, cancellation) =>
        {
            var batch = Read(parse.GetValue(file)!);
            using var session = Session.Open(parse);
            var results = await ClientCalls.RunAsync("batch", () => session.Client.BatchAsync(batch, cancellation),
                retryHint: batch.Cancels.Count == 0 ? "sending the same file again is safe: every create carries its id" : null);
            if (session.Json)
            {
                session.WriteJson(results);
            }
            else
            {
                var table = new TextTable("OP", "ID", "STATUS", "VERSION", "DUE AT", "REASON");
                foreach (var r in results)
                    table.Add(r.Op, r.Id, r.Status.ToString(CultureInfo.InvariantCulture), r.Version?.ToString(CultureInfo.InvariantCulture),
                        r.DueAt is { } due ? TimerApiProtocol.FormatTime(due) : null, r.Reason);
                table.WriteTo(session.Out);
            }

            return results.Where(r => !r.Succeeded).Select(r => ClientCalls.ExitCodeOf(r.Status)).DefaultIfEmpty(ExitCodes.Success).Max();
        });
        return command;
    }

    /// <summary>The file as a batch; creates without an id get a UUIDv7 here, so that sending the file again after no answer is safe.</summary>
    private static TimerBatch Read(string path)
    {
        FileBatch? parsed;
        try
        {
            var text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
            parsed = JsonSerializer.Deserialize<FileBatch>(text, TimerApiProtocol.Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliFailure.Usage($"cannot read {path}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw CliFailure.Usage($"{path} is not a batch: {e.Message}");
        }

        var batch = new TimerBatch();
        foreach (var (item, index) in (parsed?.Create ?? []).Select((item, index) => (item, index)))
        {
            if (item.Callback is null)
                throw CliFailure.Usage($"create {index + 1} in {path} has no callback");
            if ((item.Timeout is null) == (item.DueAt is null))
                throw CliFailure.Usage($"create {index + 1} in {path} needs timeout or dueAt, one of them");
            TimerRequest timer;
            try
            {
                timer = item.DueAt is { } dueAt ? new TimerRequest(dueAt, item.Callback, item.Data) : new TimerRequest(item.Timeout!.Value, item.Callback, item.Data);
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw CliFailure.Usage($"create {index + 1} in {path}: {e.ParamName} is out of range ({e.Message.Split(" (Parameter", 2)[0]})");
            }

            batch.Create(timer, item.Id is null ? null : TimerInput.RequireId(item.Id, $"the id of create {index + 1}"));
        }

        foreach (var id in parsed?.Cancel ?? [])
            batch.Cancel(TimerInput.RequireId(id, "a cancel"));
        if (batch.Count == 0)
            throw CliFailure.Usage($"{path} holds no create and no cancel");
        return batch;
    }
}
