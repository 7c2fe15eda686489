using System.CommandLine;
using RaftTimers.Client;
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
            var query = new TimerQuery(
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

    private static int PageSize(int? limit, bool all)
    {
        if (limit is { } given && given is < 1 or > 1000)
            throw CliFailure.Usage($"--limit must be from 1 to 1000, not {given}");
        return limit ?? (all ? DefaultAllPageSize : DefaultPageSize);
    }

    private static async Task ListPageAsync(Session session, TimerQuery query, CancellationToken cancellation)
    {
        var page = await ClientCalls.RunAsync("list", () => session.Client.ListAsync(query, cancellation: cancellation));
        if (session.Json)
        {
            session.WriteJson(page);
            return;
        }

        WriteTable(session, page.Timers);
        if (page.Next is not null)
            session.Error.WriteLine($"more timers follow: timers list --after {page.Next}{(query.State is null ? "" : $" --state {query.State}")}");
    }

    /// <summary>
    /// Every page in turn. JSON is streamed (one document, <c>{"timers":[...],"next":null}</c>) so that a large cluster's
    /// listing is not held in memory; the human table is built first, because its columns are as wide as the widest cell.
    /// A page that fails after the first leaves the JSON on stdout unfinished, and the exit code says so (not 0).
    /// </summary>
    private static async Task ListAllAsync(Session session, TimerQuery query, CancellationToken cancellation)
    {
        var rows = new List<TimerInfo>();
        Utf8JsonWriter? json = null;
        try
        {
            using (var progress = Progress.Start("listing timers"))
            {
                var count = 0;
                var pages = 0;
                await ClientCalls.RunAsync("list", async () =>
                {
                    await foreach (var page in session.Client.ListPagesAsync(query, cancellation))
                    {
                        // Opened only once the first page has arrived, so that a cluster that cannot be reached leaves stdout empty.
                        json ??= session.Json ? StartDocument() : null;
                        foreach (var timer in page.Timers)
                        {
                            if (json is null)
                                rows.Add(timer);
                            else
                                JsonSerializer.Serialize(json, timer, TimerApiProtocol.Json);
                            count++;
                        }

                        if (json is not null)
                            await json.FlushAsync(cancellation);
                        pages++;
                        progress.Update($"listed {count} timers in {pages} pages{(page.Next is null ? "" : $", next after {page.Next}")}");
                    }
                });
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

    private static void WriteTable(Session session, IEnumerable<TimerInfo> timers)
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
