using System.Buffers;
using System.Text.Json;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Model;

namespace RaftTimers.Node.Http;

/// <summary>The JSON shape of a timer in <c>GET /timer/{id}</c> and list answers (docs/api.md).</summary>
public static class TimerJson
{
    public static void Write(Utf8JsonWriter json, TimerRecord timer)
    {
        json.WriteStartObject();
        json.WriteString("id", timer.Id);
        json.WriteString("state", timer.Status.ToApiName());
        json.WriteString("createdAt", UtcTime.Rfc3339(timer.CreatedAtUnixMs));
        json.WriteString("dueAt", UtcTime.Rfc3339(timer.DueAtUnixMs));
        // A timer created with dueAt, or a repeating one, has no timeout; its dueAt is the one it was given, or its next occurrence.
        if (timer.Spec.DueAtUnixMs is null && timer.Spec.Schedule is null)
            json.WriteNumber("timeout", timer.Spec.TimeoutMs);
        else
            json.WriteNull("timeout");
        json.WritePropertyName("data");
        timer.Spec.Data.WriteJsonValue(json);

        json.WriteStartObject("callback");
        json.WriteString("transport", timer.Spec.Callback.Transport);
        json.WriteString("method", timer.Spec.Callback.Method);
        json.WriteString("uri"u8, timer.Spec.Callback.UriUtf8);
        // Only when set: a Skyring client sees the callback object it sent.
        if (timer.Spec.Headers is { } headers)
        {
            json.WriteStartObject("headers");
            foreach (var (name, value) in headers.Items)
                json.WriteString(name, value);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        // Only when the timer names a dead-letter target, as for headers.
        if (timer.Spec.DeadLetter is { } deadLetter)
        {
            json.WriteStartObject("deadLetter");
            json.WriteString("transport", deadLetter.Transport);
            json.WriteString("method", deadLetter.Method);
            json.WriteString("uri"u8, deadLetter.UriUtf8);
            json.WriteString("state", timer.DeadLetter.ToApiName());
            json.WriteNumber("attempts", timer.DeadLetterAttempts);
            json.WriteString("lastError", timer.DeadLetterError);
            json.WriteEndObject();
        }

        // Only for a repeating timer, as for headers.
        if (timer.Spec.Schedule is { } schedule)
        {
            json.WriteStartObject("schedule");
            if (schedule.Cron is { } cron)
            {
                json.WriteString("cron", cron);
                json.WriteString("timeZone", schedule.TimeZone ?? "UTC");
            }
            else
            {
                json.WriteNumber("every", schedule.EveryMs);
            }

            if (schedule.EndAtUnixMs is { } endAt)
                json.WriteString("endAt", UtcTime.Rfc3339(endAt));
            if (schedule.Count is { } count)
                json.WriteNumber("count", count);
            json.WriteString("misfire", TimerRequestParser.MisfireName(schedule.Misfire));
            json.WriteEndObject();
            json.WriteNumber("occurrence", timer.Occurrence);
        }

        json.WriteNumber("version", timer.Version);
        json.WriteNumber("attempts", timer.Attempts);
        json.WriteNumber("firedAtIndex", timer.FiredAtIndex);
        json.WriteNumber("fireCount", timer.FireCount);
        json.WriteString("lastError", timer.LastError);
        json.WriteEndObject();
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? responseBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? responseWriter;

    /// <summary>
    /// Writes a JSON response with a Content-Length (no chunked framing), serialized into this thread's reused buffer
    /// and copied into the response pipe before the first await.
    /// </summary>
    public static Task WriteResponseAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = responseBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var json = responseWriter ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        write(json);
        json.Flush();

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        if (buffer.Capacity > 256 * 1024)
            responseBuffer = null; // a huge page once should not pin a huge buffer on this thread forever
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
