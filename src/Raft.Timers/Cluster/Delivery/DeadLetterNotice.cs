using System.Buffers;
using System.Text.Json;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// The dead-letter notice of a failed timer (docs/api.md, "Dead letters"): a JSON document saying which firing failed,
/// where it was to go, how often it was tried, why it failed, and the timer's data, sent to the timer's
/// <see cref="TimerSpec.DeadLetter"/> target by the same transports as any callback. Built by the leader when it sends;
/// nothing of it is in the log beyond the failed timer itself, which every node holds alike.
/// </summary>
public static class DeadLetterNotice
{
    /// <summary>The notice's <c>type</c>.</summary>
    public const string Type = "timer.failed";

    /// <summary>
    /// The copy of <paramref name="failed"/> that carries its notice to a transport: the dead-letter target as its
    /// callback, the notice as JSON data, none of the timer's own headers (they were meant for its receiver), and the
    /// notice's own idempotency key (<see cref="TimerRecord.IsDeadLetterNotice"/>).
    /// </summary>
    public static TimerRecord For(TimerRecord failed)
    {
        var target = failed.Spec.DeadLetter ?? throw new ArgumentException($"timer {failed.Id} has no dead-letter target", nameof(failed));
        var spec = new TimerSpec(0, target, new TimerData(TimerDataKind.Json, Body(failed)));
        return failed with { Spec = spec, IsDeadLetterNotice = true };
    }

    /// <summary>The notice's JSON.</summary>
    public static byte[] Body(TimerRecord failed)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + failed.Spec.Data.Utf8.Length);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", Type);
            json.WriteString("id", failed.Id);
            json.WriteNumber("version", failed.Version);
            json.WriteString("idempotencyKey", failed.FiringKey);
            if (failed.Occurrence > 0)
                json.WriteNumber("occurrence", failed.Occurrence);
            json.WriteNumber("run", failed.Redrives);
            json.WriteStartObject("callback");
            json.WriteString("transport", failed.Spec.Callback.Transport);
            json.WriteString("method", failed.Spec.Callback.Method);
            json.WriteString("uri"u8, failed.Spec.Callback.UriUtf8);
            json.WriteEndObject();
            json.WriteString("dueAt", UtcTime.Rfc3339(failed.DueAtUnixMs));
            json.WriteString("failedAt", UtcTime.Rfc3339(failed.FinishedAtUnixMs));
            json.WriteNumber("attempts", failed.Attempts);
            json.WriteString("lastError", failed.LastError);
            json.WritePropertyName("data");
            failed.Spec.Data.WriteJsonValue(json);

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
