using System.CommandLine;
using System.Globalization;
using RaftTimers.Client;
using RaftTimers.Tools.Cli.Input;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>
/// <c>timers events</c>: GET /events, the lifecycle events as the cluster applies them, one line each (or one JSON
/// object per line with --json), until Ctrl-C or --count events. A broken stream goes on from the last event on the
/// next URL, so nothing is printed twice or left out.
/// </summary>
internal static class EventsCommand
{
    public static Command Build()
    {
        var prefix = new Option<string>("--prefix", "-p")
        {
            Description = "Only timers whose id starts with this",
            HelpName = "PREFIX",
        };
        var kind = new Option<string[]>("--kind", "-k")
        {
            Description = $"Only these kinds; repeat or separate with commas: {string.Join(", ", Kinds)}",
            HelpName = "KIND",
        };
        var after = new Option<string>("--after")
        {
            Description = "Start after this event id ({index}:{position}, as printed; 0 for everything the node keeps); without it, with the next event",
            HelpName = "EVENT-ID",
        };
        var count = new Option<int?>("--count", "-n")
        {
            Description = "Stop after this many events",
            HelpName = "COUNT",
        };
        var command = new Command("events", "Follow the timers' lifecycle events (created, updated, cancelled, fired, retrying, delivered, failed, purged, skipped, paused, resumed, redriven, deadLettered, deadLetterFailed) as they are applied");
        command.Options.Add(prefix);
        command.Options.Add(kind);
        command.Options.Add(after);
        command.Options.Add(count);
        command.SetAction(async (parse, cancellation) =>
        {
            var kinds = (parse.GetValue(kind) ?? []).SelectMany(k => k.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Select(k => k.ToLowerInvariant()).ToList();
            if (kinds.FirstOrDefault(k => !Kinds.Contains(k)) is { } unknown)
                throw CliFailure.Usage($"--kind must be one of {string.Join(", ", Kinds)}, not '{unknown}'");
            if (parse.GetValue(count) is { } limit && limit < 1)
                throw CliFailure.Usage($"--count must be at least 1, not {limit}");
            var start = parse.GetValue(after);
            if (start is not null && !IsEventId(start))
                throw CliFailure.Usage($"--after must be an event id ({{index}}:{{position}} or {{index}}), not '{start}'");
            var idPrefix = parse.GetValue(prefix) is { Length: > 0 } p ? TimerInput.RequireId(p, "--prefix") : null;

            using var session = Session.Open(parse);
            var left = parse.GetValue(count) ?? int.MaxValue;
            await ClientCalls.RunAsync("events", async () =>
            {
                try
                {
                    await foreach (var e in session.Client.EventsAsync(new EventQuery(idPrefix, kinds, start), cancellation))
                    {
                        if (session.Json)
                            session.WriteJson(e);
                        else
                            session.Out.WriteLine(Line(e));
                        if (--left == 0)
                            return;
                    }
                }
                catch (EventsGoneException gone)
                {
                    throw new CliFailure($"events: {gone.Message}" + (gone.ResumeFrom is null ? "" : $" (go on with --after {gone.ResumeFrom})"), ExitCodes.Refused);
                }
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static IReadOnlyList<string> Kinds => TimerEventKinds.All;

    private static bool IsEventId(string text)
    {
        var parts = text.Split(':');
        return parts.Length is 1 or 2 && parts.All(p => p.Length is > 0 and < 20 && p.All(char.IsAsciiDigit));
    }

    /// <summary>id, time, kind, timer, version, then what the kind has: the due time, the attempt, the error.</summary>
    private static string Line(TimerLifecycleEvent e)
    {
        var line = $"{e.Id,-12} {TimerApiProtocol.FormatTime(e.At)}  {e.Kind,-9} {e.TimerId} v{e.Version.ToString(CultureInfo.InvariantCulture)}";
        if (e.DueAt is { } due)
            line += $" due {TimerApiProtocol.FormatTime(due)}";
        if (e.Attempt is { } attempt)
            line += $" attempt {attempt.ToString(CultureInfo.InvariantCulture)}";
        if (e.Error is { } error)
            line += $" error: {error}";
        return line;
    }
}
