using System.Text.Json;

namespace RaftTimers.JepsenLike.History;

/// <summary>Reads the callback receiver's JSONL log into <see cref="DeliveryRecord"/>s.</summary>
public static class SinkLog
{
    public sealed record Line(string? Id, string? Key, int Attempt, double ArrivedAtMs, int Status, string? Action, string? Method, string? Path);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Format(Line line) => JsonSerializer.Serialize(line, Json);

    /// <summary>Every complete line; a last line cut short by a crash is skipped.</summary>
    public static List<DeliveryRecord> Read(string path)
    {
        var records = new List<DeliveryRecord>();
        if (!File.Exists(path))
            return records;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } text)
        {
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

            if (line is not null)
                records.Add(new DeliveryRecord(line.Id ?? "", line.Key ?? "", line.Attempt, line.ArrivedAtMs, line.Status));
        }

        return records;
    }
}
