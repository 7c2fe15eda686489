using System.Text.Json;
using RaftTimers.Model;
using RaftTimers.StateMachine;

namespace RaftTimers.Node.Http;

/// <summary>The JSON shape of a timer in <c>GET /timer/{id}</c> and list answers (API.md).</summary>
public static class TimerJson
{
    public static void Write(Utf8JsonWriter json, TimerRecord timer)
    {
        json.WriteStartObject();
        json.WriteString("id", timer.Id);
        json.WriteString("state", timer.Status.ToApiName());
        json.WriteString("createdAt", Rfc3339(timer.CreatedAtUnixMs));
        json.WriteString("dueAt", Rfc3339(timer.DueAtUnixMs));
        json.WriteNumber("timeout", timer.Spec.TimeoutMs);
        json.WritePropertyName("data");
        switch (timer.Spec.Data.Kind)
        {
            case TimerDataKind.Text:
                json.WriteStringValue(timer.Spec.Data.Utf8.Span);
                break;
            case TimerDataKind.Json:
                json.WriteRawValue(timer.Spec.Data.Utf8.Span, skipInputValidation: true);
                break;
            default:
                json.WriteNullValue();
                break;
        }

        json.WriteStartObject("callback");
        json.WriteString("transport", timer.Spec.Callback.Transport);
        json.WriteString("method", timer.Spec.Callback.Method);
        json.WriteString("uri", timer.Spec.Callback.Uri);
        json.WriteEndObject();
        json.WriteNumber("version", timer.Version);
        json.WriteNumber("attempts", timer.Attempts);
        json.WriteNumber("firedAtIndex", timer.FiredAtIndex);
        json.WriteNumber("fireCount", timer.FireCount);
        if (timer.LastError is null)
            json.WriteNull("lastError");
        else
            json.WriteString("lastError", timer.LastError);
        json.WriteEndObject();
    }

    public static string Rfc3339(long unixMs)
        => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task WriteResponseAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
            write(json);
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }
}
