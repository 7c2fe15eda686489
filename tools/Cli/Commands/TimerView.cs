using System.Globalization;
using System.Text.Json;
using RaftTimers.Client;
using RaftTimers.Tools.Cli.Output;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>Human views of timers (docs/api.md, GET /timer/{id}) and of the cluster's JSON documents.</summary>
internal static class TimerView
{
    public static void WriteDetail(TextWriter output, TimerInfo timer)
    {
        TextTable.WritePairs(output,
        [
            ("id", timer.Id),
            ("state", timer.State),
            ("created at", TimerApiProtocol.FormatTime(timer.CreatedAt)),
            ("due at", TimerApiProtocol.FormatTime(timer.DueAt)),
            ("timeout", timer.Timeout is { } timeout ? $"{timeout} ms" : null),
            ("callback", Callback(timer)),
            ("headers", timer.Callback.Headers is { Count: > 0 } headers ? string.Join("; ", headers.Select(h => $"{h.Key}: {h.Value}")) : null),
            ("schedule", timer.Schedule is { } schedule ? Schedule(schedule) : null),
            ("occurrence", timer.Schedule is null ? null : Number(timer.Occurrence)),
            ("data", Data(timer)),
            ("version", Number(timer.Version)),
            ("attempts", Number(timer.Attempts)),
            ("fire count", Number(timer.FireCount)),
            ("fired at index", Number(timer.FiredAtIndex)),
            ("last error", timer.LastError),
            ("dead letter", timer.DeadLetter is { } deadLetter
                ? $"{deadLetter.State}, {deadLetter.Method.ToUpperInvariant()} {deadLetter.Uri}, {Number(deadLetter.Attempts)} attempts"
                    + (deadLetter.LastError is { } error ? $", last error: {error}" : "")
                : null),
        ]);
    }

    /// <summary>A schedule in one line: <c>cron "0 9 * * MON-FRI" in Europe/Berlin, 10 times, until …, misfire skip</c>.</summary>
    private static string Schedule(Schedule schedule)
    {
        var text = schedule.Cron is { } cron ? $"cron \"{cron}\" in {schedule.TimeZone ?? "UTC"}" : $"every {Number(schedule.Every ?? 0)} ms";
        if (schedule.Count is { } count)
            text += $", {Number(count)} times";
        if (schedule.EndAt is { } endAt)
            text += $", until {TimerApiProtocol.FormatTime(endAt)}";
        return text + $", misfire {schedule.Misfire ?? "fireOnce"}";
    }

    public static TextTable ListTable() => new("ID", "STATE", "DUE AT", "VERSION", "ATTEMPTS", "CALLBACK", "LAST ERROR");

    public static void AddRow(TextTable table, TimerInfo timer)
        => table.Add(timer.Id, timer.State, TimerApiProtocol.FormatTime(timer.DueAt), Number(timer.Version), Number(timer.Attempts), Callback(timer), timer.LastError);

    /// <summary>A property of a cluster document as text: strings as they are, other values as JSON, null or absent as null.</summary>
    public static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                JsonValueKind.String => value.GetString(),
                _ => value.GetRawText(),
            }
            : null;

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An http callback as its request line; any other transport by its name, since it has no method.</summary>
    private static string Callback(TimerInfo timer) => timer.Callback.Transport == "http"
        ? $"{timer.Callback.Method.ToUpperInvariant()} {timer.Callback.Uri}"
        : $"{timer.Callback.Transport} {timer.Callback.Uri}";

    private static string? Data(TimerInfo timer) => timer.Data is not { } data ? null : data.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => JsonSerializer.Serialize(data.GetString()),
        _ => data.GetRawText(),
    };
}
