using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftTimers.JepsenLike.Report;

/// <summary>
/// report.json: the <see cref="RunReport"/> as camelCase, indented JSON, derived counts included. A non-finite
/// number (an unfinished operation's completion time, +∞) is written as null and read back as +∞.
/// </summary>
public static class ReportJson
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new NonFiniteAsNullConverter() },
    };

    public static string Render(RunReport report) => JsonSerializer.Serialize(report, Json);

    public static void Write(RunReport report, string path) => File.WriteAllText(path, Render(report));

    public static RunReport Read(string path)
        => JsonSerializer.Deserialize<RunReport>(File.ReadAllText(path), Json) ?? throw new FormatException($"{path}: empty report");

    /// <summary>JSON has no infinity or NaN; null stands for them, and reads back as +∞ (the only one a report holds).</summary>
    private sealed class NonFiniteAsNullConverter : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => reader.TokenType == JsonTokenType.Null ? double.PositiveInfinity : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
                writer.WriteNumberValue(value);
            else
                writer.WriteNullValue();
        }
    }
}
