using System.Text.Json;
using RaftTimers.Tools.Cli.Output;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>Human views of the timer JSON the API returns (docs/api.md, GET /timer/{id}).</summary>
internal static class TimerView
{
    public static void WriteDetail(TextWriter output, JsonElement timer)
    {
        TextTable.WritePairs(output,
        [
            ("id", Text(timer, "id")),
            ("state", Text(timer, "state")),
            ("created at", Text(timer, "createdAt")),
            ("due at", Text(timer, "dueAt")),
            ("timeout", Text(timer, "timeout") is { } ms ? $"{ms} ms" : null),
            ("callback", Callback(timer)),
            ("data", Data(timer)),
            ("version", Text(timer, "version")),
            ("attempts", Text(timer, "attempts")),
            ("fire count", Text(timer, "fireCount")),
            ("fired at index", Text(timer, "firedAtIndex")),
            ("last error", Text(timer, "lastError")),
        ]);
    }

    public static TextTable ListTable() => new("ID", "STATE", "DUE AT", "VERSION", "ATTEMPTS", "CALLBACK", "LAST ERROR");

    public static void AddRow(TextTable table, JsonElement timer)
        => table.Add(Text(timer, "id"), Text(timer, "state"), Text(timer, "dueAt"), Text(timer, "version"), Text(timer, "attempts"),
            Callback(timer), Text(timer, "lastError"));

    /// <summary>A property as text: strings as they are, other values as JSON, null or absent as null.</summary>
    public static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                JsonValueKind.String => value.GetString(),
                _ => value.GetRawText(),
            }
            : null;

    private static string? Callback(JsonElement timer)
        => timer.TryGetProperty("callback", out var callback) && callback.ValueKind == JsonValueKind.Object
            ? $"{Text(callback, "method")?.ToUpperInvariant()} {Text(callback, "uri")}"
            : null;

    private static string? Data(JsonElement timer)
        => timer.TryGetProperty("data", out var data) ? data.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.String => JsonSerializer.Serialize(data.GetString()),
            _ => data.GetRawText(),
        } : null;
}
