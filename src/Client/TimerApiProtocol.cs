using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftTimers.Client;

/// <summary>
/// The wire contract of the timer API (docs/api.md) as the client side sees it: paths, header names, the request body
/// and the JSON of answers. <see cref="RaftTimersClient"/> is built on it; it is public for code that must send a
/// request by hand and read the raw answer, such as tests of the server's HTTP surface.
/// </summary>
public static class TimerApiProtocol
{
    /// <summary>Names the timer of a create, on the request (the client's id) and on every answer to it.</summary>
    public const string TimerIdHeader = "x-timer-id";

    /// <summary>Carries the human-readable reason of every error answer (Skyring's header).</summary>
    public const string ReasonHeader = "x-skyring-reason";

    public const string TimersPath = "/timer";

    public const string ClusterPath = "/cluster";

    public const string MembersPath = "/cluster/members";

    /// <summary>How answers are read and bodies written: camelCase names, RFC 3339 UTC times as the server writes them.</summary>
    public static JsonSerializerOptions Json { get; } = CreateJsonOptions();

    public static string TimerPath(string id) => $"{TimersPath}/{Uri.EscapeDataString(id)}";

    public static string MemberPath(string idOrAddress) => $"{MembersPath}/{Uri.EscapeDataString(idOrAddress)}";

    /// <summary>GET /timer with the query's state, limit and continuation.</summary>
    public static string ListPath(TimerQuery query, string? after)
    {
        var path = new StringBuilder(TimersPath).Append("?limit=").Append(query.Limit.ToString(CultureInfo.InvariantCulture));
        if (query.State is not null)
            path.Append("&state=").Append(Uri.EscapeDataString(query.State));
        if (after is not null)
            path.Append("&after=").Append(Uri.EscapeDataString(after));
        return path.ToString();
    }

    public const string BatchPath = "/timer/batch";

    public const string EventsPath = "/events";

    /// <summary>The JSON body of a create or a replace: <c>timeout</c> or <c>dueAt</c>, <c>data</c> when given, and <c>callback</c>.</summary>
    public static byte[] Body(TimerRequest timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
            WriteTimer(json, timer, id: null);
        return buffer.ToArray();
    }

    /// <summary>The JSON body of a batch (POST /timer/batch): each create as its body with its <c>id</c>, then the ids to cancel.</summary>
    public static byte[] BatchBody(TimerBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("create");
            foreach (var (id, timer) in batch.Creates)
                WriteTimer(json, timer, id);
            json.WriteEndArray();
            json.WriteStartArray("cancel");
            foreach (var id in batch.Cancels)
                json.WriteStringValue(id);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteTimer(Utf8JsonWriter json, TimerRequest timer, string? id)
    {
        json.WriteStartObject();
        if (id is not null)
            json.WriteString("id", id);
        if (timer.Schedule is { } schedule)
        {
            json.WriteStartObject("schedule");
            if (schedule.Cron is { } cron)
                json.WriteString("cron", cron);
            if (schedule.TimeZone is { } zone)
                json.WriteString("timeZone", zone);
            if (schedule.Every is { } every)
                json.WriteNumber("every", every);
            if (schedule.EndAt is { } endAt)
                json.WriteString("endAt", FormatTime(endAt));
            if (schedule.Count is { } count)
                json.WriteNumber("count", count);
            if (schedule.Misfire is { } misfire)
                json.WriteString("misfire", misfire);
            json.WriteEndObject();
        }
        else if (timer.DueAt is { } dueAt)
        {
            json.WriteString("dueAt", FormatTime(dueAt));
        }
        else
        {
            json.WriteNumber("timeout", timer.TimeoutMs!.Value);
        }
        if (timer.Data is { } data)
        {
            json.WritePropertyName("data");
            data.WriteTo(json);
        }

        json.WriteStartObject("callback");
        json.WriteString("transport", timer.Callback.Transport);
        json.WriteString("method", timer.Callback.Method);
        json.WriteString("uri", timer.Callback.Uri);
        if (timer.Callback.Headers is { Count: > 0 } headers)
        {
            json.WriteStartObject("headers");
            foreach (var (name, value) in headers)
                json.WriteString(name, value);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        if (timer.DeadLetter is { } deadLetter)
        {
            json.WriteStartObject("deadLetter");
            json.WriteString("transport", deadLetter.Transport);
            json.WriteString("method", deadLetter.Method);
            json.WriteString("uri", deadLetter.Uri);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    internal static ByteArrayContent JsonContent(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>A time as the server writes it: RFC 3339 in UTC, to the millisecond (<c>2026-01-02T03:04:05.678Z</c>).</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The <c>x-skyring-reason</c> of an answer, or null when it has none.</summary>
    public static string? Reason(HttpResponseMessage response)
        => response.Headers.TryGetValues(ReasonHeader, out var values) ? string.Join(' ', values) : null;

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new Rfc3339Converter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Times as the server writes them (<see cref="FormatTime"/>), so a timer written back out reads the same.</summary>
    private sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
            => writer.WriteStringValue(FormatTime(value));
    }
}
