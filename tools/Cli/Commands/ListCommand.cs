using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RaftTimers.Tools.Cli.Input;
using RaftTimers.Tools.Cli.Output;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>
/// <c>timers list</c>: GET /timer?state=&amp;limit=&amp;after=, one page, or with --all every page in turn (each page
/// continues after the last id of the one before, so a long listing holds no cursor on the server).
/// </summary>
internal static class ListCommand
{
    private const int DefaultPageSize = 100;
    private const int DefaultAllPageSize = 1000;

    public static Command Build()
    {
        var state = new Option<string>("--state", "-s")
        {
            Description = $"Only timers in this state: {string.Join(", ", TimerInput.States)}",
            HelpName = "STATE",
        };
        var limit = new Option<int?>("--limit", "-n")
        {
            Description = $"Timers per page, 1 to 1000 (default {DefaultPageSize}; {DefaultAllPageSize} with --all)",
            HelpName = "COUNT",
        };
        var after = new Option<string>("--after")
        {
            Description = "Start after this timer id (the last id of the previous page; ids are listed in order)",
            HelpName = "ID",
        };
        var all = new Option<bool>("--all", "-a")
        {
            Description = "Page through every timer, showing progress on a terminal",
        };
        var command = new Command("list", "List timers in id order, a page at a time (or all of them with --all)");
        command.Options.Add(state);
        command.Options.Add(limit);
        command.Options.Add(after);
        command.Options.Add(all);
        command.SetAction(async (parse, cancellation) =>
        {
            var query = new Query(
                TimerInput.RequireState(parse.GetValue(state)),
                PageSize(parse.GetValue(limit), parse.GetValue(all)),
                parse.GetValue(after) is { } start ? TimerInput.RequireId(start, "--after") : null);
            using var session = Session.Open(parse);
            if (parse.GetValue(all))
                await ListAllAsync(session, query, cancellation);
            else
                await ListPageAsync(session, query, cancellation);
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record Query(string? State, int PageSize, string? After)
    {
        public string Path(string? after)
        {
            var parts = new List<string> { $"limit={PageSize.ToString(CultureInfo.InvariantCulture)}" };
            if (State is not null)
                parts.Add($"state={State}");
            if (after is not null)
                parts.Add($"after={Uri.EscapeDataString(after)}");
            return "/timer?" + string.Join('&', parts);
        }
    }

    private static int PageSize(int? limit, bool all)
    {
        if (limit is { } given && given is < 1 or > 1000)
            throw CliFailure.Usage($"--limit must be from 1 to 1000, not {given}");
        return limit ?? (all ? DefaultAllPageSize : DefaultPageSize);
    }

    private static async Task<(JsonElement Timers, string? Next)> PageAsync(Session session, Query query, string? after, CancellationToken cancellation)
    {
        var answer = (await session.Client.SendAsync(HttpMethod.Get, query.Path(after), GlobalOptions.TimerToken(session.Parse), null, null,
            repeatable: true, cancellation)).EnsureSuccess("list");
        var page = answer.Json();
        if (page.ValueKind != JsonValueKind.Object || !page.TryGetProperty("timers", out var timers) || timers.ValueKind != JsonValueKind.Array)
            throw new CliFailure($"{answer.Node} answered the list with an unexpected body: {answer.Body}", ExitCodes.Unavailable);
        return (timers, TimerView.Text(page, "next"));
    }

    private static async Task ListPageAsync(Session session, Query query, CancellationToken cancellation)
    {
        var (timers, next) = await PageAsync(session, query, query.After, cancellation);
        if (session.Json)
        {
            await using var json = new Utf8JsonWriter(Console.OpenStandardOutput());
            json.WriteStartObject();
            json.WritePropertyName("timers");
            timers.WriteTo(json);
            json.WriteString("next", next);
            json.WriteEndObject();
            await json.FlushAsync(cancellation);
            session.Out.WriteLine();
            return;
        }

        WriteTable(session, timers.EnumerateArray());
        if (next is not null)
            session.Error.WriteLine($"more timers follow: timers list --after {next}{(query.State is null ? "" : $" --state {query.State}")}");
    }

    /// <summary>
    /// Every page in turn. JSON is streamed (one document, <c>{"timers":[...],"next":null}</c>) so that a large cluster's
    /// listing is not held in memory; the human table is built first, because its columns are as wide as the widest cell.
    /// A page that fails after the first leaves the JSON on stdout unfinished, and the exit code says so (not 0).
    /// </summary>
    private static async Task ListAllAsync(Session session, Query query, CancellationToken cancellation)
    {
        var rows = new List<JsonElement>();
        Utf8JsonWriter? json = null;
        try
        {
            using (var progress = Progress.Start("listing timers"))
            {
                var after = query.After;
                var count = 0;
                var pages = 0;
                do
                {
                    var (timers, next) = await PageAsync(session, query, after, cancellation);
                    // Opened only once the first page has arrived, so that a cluster that cannot be reached leaves stdout empty.
                    json ??= session.Json ? StartDocument() : null;
                    foreach (var timer in timers.EnumerateArray())
                    {
                        if (json is null)
                            rows.Add(timer);
                        else
                            timer.WriteTo(json);
                        count++;
                    }

                    if (json is not null)
                        await json.FlushAsync(cancellation);
                    pages++;
                    after = next;
                    progress.Update($"listed {count} timers in {pages} pages{(after is null ? "" : $", next after {after}")}");
                }
                while (after is not null);
            }

            if (json is not null)
            {
                json.WriteEndArray();
                json.WriteNull("next");
                json.WriteEndObject();
                await json.FlushAsync(cancellation);
                session.Out.WriteLine();
                return;
            }
        }
        finally
        {
            if (json is not null)
                await json.DisposeAsync();
        }

        WriteTable(session, rows);
    }

    private static Utf8JsonWriter StartDocument()
    {
        var json = new Utf8JsonWriter(Console.OpenStandardOutput());
        json.WriteStartObject();
        json.WriteStartArray("timers");
        return json;
    }

    private static void WriteTable(Session session, IEnumerable<JsonElement> timers)
    {
        var table = TimerView.ListTable();
        foreach (var timer in timers)
            TimerView.AddRow(table, timer);
        if (table.RowCount == 0)
            session.Out.WriteLine("no timers");
        else
            table.WriteTo(session.Out);
    }
}
