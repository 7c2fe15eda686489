using System.Globalization;
using System.Text;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests.Transcripts;

/// <summary>
/// Runs a transcript: a plain-text file of log entries applied to a fresh state machine, each followed by what it must
/// answer, in the manner of etcd raft's data-driven tests. A reader learns the state machine's rules from the files in
/// <c>testdata/</c>; this class only parses and prints. The grammar:
/// <code>
/// # a comment, anywhere between blocks
/// apply 1000               an entry stamped 1000 (ms), one command per line below it:
/// create a 500             create timer a, due 500 ms after the entry's stamp
///                          (options: uri=..., data=..., method=...)
/// create b at=4000         create timer b due at 4000, whatever the entry's stamp (dueAt)
/// update a 700 expect=1    replace it (expect: If-Match, optional)
/// cancel a
/// fire a 1                 the leader's fire decision for version 1
/// record a 1 2 retry boom  attempt 2 of version 1: delivered | retry | failed, and the error (optional)
/// purge 60000              purge finished timers older than 60000 ms (options: max-timers=, max-bytes=, slice=)
/// ----
/// one line per command: its outcome, and the version and due time it left, or what it purged
/// events: what the entry tells the leader, in order (none when nothing)
///
/// state                    every timer, in id order, and the totals
/// ----
/// a v1 pending due=1500 attempts=0
/// pending=1 finished=0 last-stamp=1000
/// </code>
/// Blocks end with a blank line. With <c>REWRITE_TRANSCRIPTS=1</c> in the environment the expected parts are rewritten
/// with what the state machine answered, to review in the diff.
/// </summary>
internal static class TranscriptRunner
{
    public const string Separator = "----";

    /// <summary>The file's text with every expected part replaced by what the state machine printed.</summary>
    public static string Run(string text)
    {
        var state = new TimerStateMachine();
        var index = 0L;
        var output = new StringBuilder();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#'))
            {
                output.Append(line).Append('\n');
                i++;
                continue;
            }

            var input = new List<string>();
            while (i < lines.Length && lines[i] != Separator)
            {
                if (lines[i].Length == 0)
                    throw new FormatException($"line {i + 1}: a block's input ends with '{Separator}', not a blank line");
                input.Add(lines[i++]);
            }

            if (i == lines.Length)
                throw new FormatException($"the block '{input[0]}' has no '{Separator}'");
            i++; // the separator
            while (i < lines.Length && lines[i].Length > 0)
                i++; // the expected part, replaced by what this run prints

            foreach (var inputLine in input)
                output.Append(inputLine).Append('\n');
            output.Append(Separator).Append('\n');
            foreach (var printed in Execute(input, state, ref index))
                output.Append(printed).Append('\n');
        }

        return output.ToString().TrimEnd('\n') + "\n";
    }

    private static List<string> Execute(List<string> input, TimerStateMachine state, ref long index)
    {
        var words = input[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words[0])
        {
            case "apply":
                var stamp = long.Parse(words[1], CultureInfo.InvariantCulture);
                var commands = input.Skip(1).Select(ParseCommand).ToArray();
                var results = new List<CommandResult>();
                var events = new List<TimerEvent>();
                state.Apply(++index, LogEntryCodec.Encode(stamp, commands), results, events);
                var printed = results.Select(Print).ToList();
                printed.Add("events: " + (events.Count == 0 ? "none" : string.Join(", ", events.Select(Print))));
                return printed;
            case "state":
                var timers = state.Page(null, null, int.MaxValue, out _);
                var lines = timers.Select(Print).ToList();
                lines.Add($"pending={state.PendingCount} finished={state.FinishedCount} last-stamp={state.LastStampUnixMs}");
                return lines;
            default:
                throw new FormatException($"unknown directive '{words[0]}' (apply, state)");
        }
    }

    private static TimerCommand ParseCommand(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var options = words.Where(w => w.Contains('=', StringComparison.Ordinal))
            .ToDictionary(w => w[..w.IndexOf('=', StringComparison.Ordinal)], w => w[(w.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        var args = words.Where(w => !w.Contains('=', StringComparison.Ordinal)).ToArray();
        long Number(int at) => long.Parse(args[at], CultureInfo.InvariantCulture);
        long? Option(string name) => options.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : null;
        TimerSpec Spec()
        {
            var callback = new CallbackSpec("http", options.GetValueOrDefault("method", "post"), options.GetValueOrDefault("uri", "http://127.0.0.1:9000/callback"));
            var body = options.TryGetValue("data", out var data) ? new TimerData(TimerDataKind.Text, Encoding.UTF8.GetBytes(data)) : TimerData.None;
            return Option("at") is { } at ? TimerSpec.At(at, callback, body) : new TimerSpec(Number(2), callback, body);
        }

        return args[0] switch
        {
            "create" => new CreateTimer(args[1], Spec()),
            "update" => new UpdateTimer(args[1], Spec(), Option("expect")),
            "cancel" => new CancelTimer(args[1]),
            "fire" => new FireTimer(args[1], Number(2)),
            "record" => new RecordDelivery(args[1], Number(2), (int)Number(3), args[4] switch
            {
                "delivered" => DeliveryOutcome.Delivered,
                "retry" => DeliveryOutcome.Retry,
                "failed" => DeliveryOutcome.Failed,
                _ => throw new FormatException($"'{line}': the outcome is delivered, retry or failed"),
            }, args.Length > 5 ? string.Join(' ', args[5..]) : null),
            "purge" => new PurgeFinished(Number(1), Option("max-timers") is { } maxTimers
                ? new FinishedBounds(maxTimers, Option("max-bytes") ?? long.MaxValue, (int)(Option("slice") ?? int.MaxValue))
                : null),
            _ => throw new FormatException($"'{line}': unknown command (create, update, cancel, fire, record, purge)"),
        };
    }

    private static string Print(CommandResult r)
    {
        var text = new StringBuilder(Name(r.Outcome));
        if (r.Version != 0)
            text.Append(" v").Append(r.Version);
        if (r.DueAtUnixMs != 0)
            text.Append(" due=").Append(r.DueAtUnixMs);
        if (r.Purged != 0)
            text.Append(" purged=").Append(r.Purged);
        return text.ToString();
    }

    private static string Print(TimerEvent e) => e switch
    {
        TimerScheduled s => $"scheduled {s.TimerId} v{s.Version} due={s.DueAtUnixMs}",
        TimerUnscheduled u => $"unscheduled {u.TimerId}",
        TimerFired f => $"fired {f.TimerId} v{f.Version}",
        TimerPurged p => $"purged {p.TimerId} v{p.Version}",
        _ => e.ToString(),
    };

    private static string Print(TimerRecord t)
    {
        var text = new StringBuilder($"{t.Id} v{t.Version} {t.Status.ToApiName()} due={t.DueAtUnixMs} attempts={t.Attempts}");
        if (t.FiredAtIndex != 0)
            text.Append(" fired-at=").Append(t.FiredAtIndex);
        if (t.FinishedAtUnixMs != 0)
            text.Append(" finished=").Append(t.FinishedAtUnixMs);
        if (t.LastError is { } error)
            text.Append(" error=\"").Append(error).Append('"');
        return text.ToString();
    }

    private static string Name(CommandOutcome outcome) => outcome switch
    {
        CommandOutcome.AlreadyApplied => "already-applied",
        CommandOutcome.NotFound => "not-found",
        CommandOutcome.NotLeader => "not-leader",
        _ => outcome.ToString().ToLowerInvariant(),
    };
}
