using System.Text.Json;

namespace RaftTimers.JepsenLike.History;

/// <summary>
/// The callback receiver's JSONL log: the sink (jepsen-agent sink) appends one <see cref="Line"/> per callback
/// through <see cref="Format"/>, and the runner reads the file back with <see cref="Read"/> after the run, or
/// while the sink is still writing.
/// </summary>
public static class SinkLog
{
    /// <summary>One callback as the sink saw it.</summary>
    /// <param name="ArrivedAtMs">Unix ms (fractional, machine wall clock) when the request started.</param>
    /// <param name="Status">What the sink answered; 0 when it dropped the connection instead.</param>
    /// <param name="Action">ok, slow, error or drop.</param>
    public sealed record Line(string? Id, string? Key, int Attempt, double ArrivedAtMs, int Status, string? Action, string? Method, string? Path);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Format(Line line) => JsonSerializer.Serialize(line, Json);

    /// <summary>
    /// Every complete line of the log at <paramref name="path"/>, in file order; an empty list when there is no file.
    /// A last line cut short (the sink crashed, or is writing it right now) is skipped; a bad line elsewhere throws
    /// <see cref="FormatException"/>. The sink never logs its own <c>/_sink/*</c> requests; such lines are skipped too.
    /// </summary>
    public static List<DeliveryRecord> Read(string path)
    {
        var records = new List<DeliveryRecord>();
        if (!File.Exists(path))
            return records;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var number = 0;
        while (reader.ReadLine() is { } text)
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            Line? line;
            try
            {
                line = JsonSerializer.Deserialize<Line>(text, Json);
            }
            catch (JsonException) when (reader.Peek() < 0)
            {
                break;
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{number}: not a sink log line: {e.Message}", e);
            }

            if (line is null || line.Path?.StartsWith("/_sink/", StringComparison.Ordinal) == true)
                continue;
            records.Add(new DeliveryRecord(line.Id ?? "", line.Key ?? "", line.Attempt, line.ArrivedAtMs, line.Status));
        }

        return records;
    }
}
