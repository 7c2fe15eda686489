using System.Text;
using System.Text.Json;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Model;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Http;

/// <summary>
/// Turns a create/replace body (docs/api.md) into a <see cref="TimerSpec"/>, or an <see cref="ApiException"/>
/// with status 400 and a reason naming the field. Strict about types; fields it does not know are ignored.
/// The callback URI must pass the <see cref="CallbackPolicy"/>, so a denied target is refused before anything is proposed.
/// <c>callback.headers</c> follow <see cref="TimerHeaders"/>'s rules; credential headers only with
/// <paramref name="allowCredentialHeaders"/>.
/// </summary>
public sealed class TimerRequestParser(CallbackTransports transports, CallbackPolicy policy, bool allowCredentialHeaders = false, TimeProvider? clock = null)
{
    private static readonly string[] MisfireNames = ["fireOnce", "fireAll", "skip"];

    private static readonly string[] Methods = ["post", "put", "patch", "delete", "get", "options", "head"];

    /// <summary>A dead-letter notice is a body, so only methods that carry one.</summary>
    private static readonly string[] NoticeMethods = ["post", "put", "patch"];

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowTrailingCommas = false };

    public TimerSpec Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
            throw BadRequest("request body is empty; expected a JSON object with timeout and callback");

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth });
            document = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != body.Length && !IsWhitespace(body[(int)reader.BytesConsumed..]))
                throw BadRequest("malformed JSON: unexpected data after the JSON value");
        }
        catch (JsonException e)
        {
            throw BadRequest($"malformed JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw BadRequest($"request body must be a JSON object, not {Describe(root.ValueKind)}");

            var hasTimeout = root.TryGetProperty("timeout", out var timeout) && timeout.ValueKind != JsonValueKind.Null;
            var hasDueAt = root.TryGetProperty("dueAt", out var dueAt) && dueAt.ValueKind != JsonValueKind.Null;
            var hasSchedule = root.TryGetProperty("schedule", out var scheduleElement) && scheduleElement.ValueKind != JsonValueKind.Null;
            if ((hasTimeout ? 1 : 0) + (hasDueAt ? 1 : 0) + (hasSchedule ? 1 : 0) > 1)
                throw BadRequest("give one of timeout, dueAt and schedule");
            if (!hasTimeout && !hasDueAt && !hasSchedule)
                throw BadRequest("timeout is required (integer milliseconds, 1 to 2147483647), or dueAt instead (an RFC 3339 time or Unix milliseconds), or a schedule");
            var schedule = hasSchedule ? ParseSchedule(scheduleElement) : null;
            var callback = ParseCallback(root);
            var headers = ParseHeaders(root.GetProperty("callback"));
            var data = ParseData(root);
            var deadLetter = ParseDeadLetter(root);
            var spec = schedule is not null ? new TimerSpec(0, callback, data) { Schedule = schedule }
                : hasDueAt ? TimerSpec.At(ParseDueAt(dueAt), callback, data)
                : new TimerSpec(ParseTimeout(timeout), callback, data);
            return headers is null && deadLetter is null ? spec : spec with { Headers = headers, DeadLetter = deadLetter };
        }
    }

    /// <summary>
    /// An absolute due time: an RFC 3339 date-time with its offset (<c>2027-01-01T09:00:00Z</c>,
    /// <c>2027-01-01T10:00:00.250+01:00</c>), or an integer of Unix milliseconds. Digits past the millisecond are dropped.
    /// </summary>
    internal static long ParseDueAt(JsonElement dueAt)
    {
        long value;
        if (dueAt.ValueKind == JsonValueKind.Number)
        {
            if (!dueAt.TryGetInt64(out value))
                throw BadRequest($"dueAt must be an integer of Unix milliseconds or an RFC 3339 string, got {Clip(dueAt.GetRawText())}");
        }
        else if (dueAt.ValueKind == JsonValueKind.String)
        {
            var text = Text(dueAt, "dueAt");
            if (!Rfc3339Time.TryParse(text, out value))
                throw BadRequest($"dueAt must be an RFC 3339 date-time with an offset, like 2027-01-01T09:00:00Z, got '{Clip(text)}'");
        }
        else
        {
            throw BadRequest($"dueAt must be an RFC 3339 string or an integer of Unix milliseconds, not {Describe(dueAt.ValueKind)}");
        }

        if (value < TimerLimits.MinDueAtUnixMs)
            throw BadRequest($"dueAt {value} is before 2000-01-01T00:00:00Z; it is read as Unix milliseconds, not seconds");
        if (value > TimerLimits.MaxDueAtUnixMs)
            throw BadRequest($"dueAt must be no later than 9999-12-31T23:59:59.999Z, got {value}");
        return value;
    }

    /// <summary>
    /// <c>schedule</c>: <c>cron</c> (with an optional IANA <c>timeZone</c>) or <c>every</c> (milliseconds, or a number
    /// with a unit: <c>500ms</c>, <c>90s</c>, <c>15m</c>, <c>2h</c>, <c>1d</c>), and optionally <c>endAt</c>, <c>count</c>
    /// and <c>misfire</c>. A schedule with no occurrence ahead of now is refused.
    /// </summary>
    private TimerSchedule ParseSchedule(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw BadRequest($"schedule must be an object with cron or every, not {Describe(element.ValueKind)}");
        var hasCron = element.TryGetProperty("cron", out var cron) && cron.ValueKind != JsonValueKind.Null;
        var hasEvery = element.TryGetProperty("every", out var every) && every.ValueKind != JsonValueKind.Null;
        if (hasCron == hasEvery)
            throw BadRequest("schedule needs cron (a cron expression) or every (an interval), one of them");
        var zone = element.TryGetProperty("timeZone", out var zoneElement) && zoneElement.ValueKind != JsonValueKind.Null
            ? zoneElement.ValueKind == JsonValueKind.String ? Text(zoneElement, "schedule.timeZone") : throw BadRequest("schedule.timeZone must be a string, an IANA zone such as Europe/Berlin")
            : null;

        TimerSchedule schedule;
        if (hasCron)
        {
            if (cron.ValueKind != JsonValueKind.String)
                throw BadRequest($"schedule.cron must be a string, not {Describe(cron.ValueKind)}");
            schedule = TimerSchedule.TryCron(Text(cron, "schedule.cron"), zone, out var error) ?? throw BadRequest(Clip(error!));
        }
        else
        {
            if (zone is not null)
                throw BadRequest("schedule.timeZone goes with cron; an interval (every) needs none");
            schedule = TimerSchedule.Every(ParseInterval(every));
        }

        if (element.TryGetProperty("endAt", out var endAt) && endAt.ValueKind != JsonValueKind.Null)
            schedule = schedule with { EndAtUnixMs = ParseTime(endAt, "schedule.endAt") };
        if (element.TryGetProperty("count", out var count) && count.ValueKind != JsonValueKind.Null)
        {
            if (count.ValueKind != JsonValueKind.Number || !count.TryGetInt32(out var n) || n < 1)
                throw BadRequest($"schedule.count must be a whole number from 1 to {int.MaxValue}, got {Clip(count.GetRawText())}");
            schedule = schedule with { Count = n };
        }

        if (element.TryGetProperty("misfire", out var misfire) && misfire.ValueKind != JsonValueKind.Null)
        {
            var at = misfire.ValueKind == JsonValueKind.String ? Array.IndexOf(MisfireNames, misfire.GetString()) : -1;
            if (at < 0)
                throw BadRequest($"schedule.misfire must be one of {string.Join(", ", MisfireNames)}, got {Clip(misfire.GetRawText())}");
            schedule = schedule with { Misfire = (MisfirePolicy)at };
        }

        var now = (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        if (schedule.First(now) is null)
            throw BadRequest("the schedule has no occurrence ahead: its expression never matches again, or its endAt is before the first one");
        return schedule;
    }

    /// <summary>The API name of a misfire policy.</summary>
    public static string MisfireName(MisfirePolicy misfire) => MisfireNames[(int)misfire];

    /// <summary>An interval: integer milliseconds, or a number with a unit (ms, s, m, h, d); at least a second.</summary>
    private static long ParseInterval(JsonElement every)
    {
        long ms;
        if (every.ValueKind == JsonValueKind.Number)
        {
            if (!every.TryGetInt64(out ms))
                throw BadRequest($"schedule.every must be whole milliseconds or a duration like 15m, got {Clip(every.GetRawText())}");
        }
        else if (every.ValueKind == JsonValueKind.String)
        {
            var text = Text(every, "schedule.every").Trim();
            var unit = text.TrimStart("0123456789".ToCharArray());
            var digits = text[..^unit.Length];
            long factor = unit switch { "ms" => 1, "s" => 1_000, "m" => 60_000, "h" => 3_600_000, "d" => 86_400_000, _ => 0 };
            if (factor == 0 || !long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var amount)
                || amount > TimerLimits.MaxDueAtUnixMs / factor)
                throw BadRequest($"schedule.every must be a duration like 90s, 15m, 2h or 1d (or whole milliseconds), got '{Clip(text)}'");
            ms = amount * factor;
        }
        else
        {
            throw BadRequest($"schedule.every must be a duration string or whole milliseconds, not {Describe(every.ValueKind)}");
        }

        if (ms < TimerSchedule.MinEveryMs || ms > TimerLimits.MaxDueAtUnixMs)
            throw BadRequest($"schedule.every must be at least {TimerSchedule.MinEveryMs} ms, got {ms}");
        return ms;
    }

    /// <summary>A time, as dueAt takes it (RFC 3339 or Unix milliseconds), for <paramref name="field"/>.</summary>
    private static long ParseTime(JsonElement element, string field)
    {
        try
        {
            return ParseDueAt(element);
        }
        catch (ApiException e)
        {
            throw BadRequest(e.Message.Replace("dueAt", field, StringComparison.Ordinal));
        }
    }

    private static long ParseTimeout(JsonElement timeout)
    {
        if (timeout.ValueKind != JsonValueKind.Number)
            throw BadRequest($"timeout must be an integer number of milliseconds, not {Describe(timeout.ValueKind)}");
        if (!timeout.TryGetInt64(out var value))
            throw BadRequest($"timeout must be an integer number of milliseconds, got {timeout.GetRawText()}");
        if (value is < 1 or > TimerLimits.MaxTimeoutMs)
            throw BadRequest($"timeout must be between 1 and {TimerLimits.MaxTimeoutMs} ms, got {value}");
        return value;
    }

    private CallbackSpec ParseCallback(JsonElement root)
    {
        if (!root.TryGetProperty("callback", out var callback) || callback.ValueKind == JsonValueKind.Null)
            throw BadRequest("callback is required: { transport, method, uri }");
        if (callback.ValueKind != JsonValueKind.Object)
            throw BadRequest($"callback must be an object, not {Describe(callback.ValueKind)}");

        return ParseTarget(callback, "callback", defaultTransport: null, defaultMethod: null, Methods);
    }

    /// <summary>
    /// <c>deadLetter</c>: where a notice goes when the timer ends failed (docs/api.md, "Dead letters"); absent or null for
    /// none. Checked as the callback is, with <c>http</c> and <c>post</c> when the transport or method is not given.
    /// </summary>
    private CallbackSpec? ParseDeadLetter(JsonElement root)
    {
        if (!root.TryGetProperty("deadLetter", out var deadLetter) || deadLetter.ValueKind == JsonValueKind.Null)
            return null;
        if (deadLetter.ValueKind != JsonValueKind.Object)
            throw BadRequest($"deadLetter must be an object {{ uri, method, transport }}, not {Describe(deadLetter.ValueKind)}");
        return ParseTarget(deadLetter, "deadLetter", defaultTransport: "http", defaultMethod: "post", NoticeMethods);
    }

    /// <summary>
    /// A callback's or dead-letter target's transport, method and URI, checked in that order (the URI against the callback
    /// policy too); a transport or method without a default is required.
    /// </summary>
    private CallbackSpec ParseTarget(JsonElement target, string field, string? defaultTransport, string? defaultMethod, string[] methods)
    {
        var transport = defaultTransport is null ? RequiredString(target, field, "transport") : OptionalString(target, field, "transport") ?? defaultTransport;
        if (!transports.TryGet(transport, out var carrier))
            throw BadRequest($"unknown {field} transport '{Clip(transport)}'; supported: {string.Join(", ", transports.Names)}");

        var method = (defaultMethod is null ? RequiredString(target, field, "method") : OptionalString(target, field, "method") ?? defaultMethod).ToLowerInvariant();
        if (!methods.Contains(method))
            throw BadRequest($"unsupported {field} method '{Clip(method)}'; use one of {string.Join(", ", methods)}");

        var uri = RequiredString(target, field, "uri");
        if (uri.Length > TimerLimits.MaxUriLength)
            throw BadRequest($"{field}.uri is longer than {TimerLimits.MaxUriLength} characters");
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !carrier.Accepts(parsed))
            throw BadRequest($"{field}.uri of transport {transport} must be {carrier.TargetShape}, got '{Clip(uri)}'");
        if (policy.WhyDenied(parsed) is { } denied)
            throw BadRequest(field == "callback" ? denied : $"{field}: {denied}");

        return new CallbackSpec(transport, method, uri);
    }

    /// <summary><c>callback.headers</c>: an object of strings; absent, null or empty means none.</summary>
    private TimerHeaders? ParseHeaders(JsonElement callback)
    {
        if (!callback.TryGetProperty("headers", out var headers) || headers.ValueKind == JsonValueKind.Null)
            return null;
        if (headers.ValueKind != JsonValueKind.Object)
            throw BadRequest($"callback.headers must be an object of header names and string values, not {Describe(headers.ValueKind)}");
        var items = new List<KeyValuePair<string, string>>();
        foreach (var header in headers.EnumerateObject())
        {
            if (items.Count == TimerHeaders.MaxCount)
                throw BadRequest($"callback.headers holds more than {TimerHeaders.MaxCount} headers");
            string name;
            try
            {
                name = header.Name;
            }
            catch (InvalidOperationException)
            {
                throw BadRequest("a callback.headers name is not valid Unicode text (a lone surrogate escape?)");
            }

            if (header.Value.ValueKind != JsonValueKind.String)
                throw BadRequest($"callback.headers value of '{Clip(name)}' must be a string, not {Describe(header.Value.ValueKind)}");
            items.Add(new(name, Text(header.Value, $"callback.headers value of '{Clip(name)}'")));
        }

        if (items.Count == 0)
            return null;
        return TimerHeaders.TryCreate(items, allowCredentialHeaders, out var error) ?? throw BadRequest(error!);
    }

    private static TimerData ParseData(JsonElement root)
    {
        if (!root.TryGetProperty("data", out var data))
            return TimerData.None;
        return data.ValueKind switch
        {
            JsonValueKind.Null => TimerData.None,
            JsonValueKind.String => new TimerData(TimerDataKind.Text, Encoding.UTF8.GetBytes(Text(data, "data"))),
            JsonValueKind.Object => new TimerData(TimerDataKind.Json, Encoding.UTF8.GetBytes(data.GetRawText())),
            _ => throw BadRequest($"data must be a string or an object, not {Describe(data.ValueKind)}"),
        };
    }

    private static string RequiredString(JsonElement parent, string field, string name)
        => OptionalString(parent, field, name) ?? throw BadRequest($"{field}.{name} is required");

    /// <summary>A non-empty string property; null when absent or null.</summary>
    private static string? OptionalString(JsonElement parent, string field, string name)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw BadRequest($"{field}.{name} must be a string, not {Describe(value.ValueKind)}");
        var text = Text(value, $"{field}.{name}");
        if (text.Length == 0)
            throw BadRequest($"{field}.{name} must not be empty");
        return text;
    }

    /// <summary>A JSON string's text; an escaped lone surrogate (valid JSON, invalid text) is a 400, not a crash.</summary>
    private static string Text(JsonElement value, string field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw BadRequest($"{field} is not valid Unicode text (a lone surrogate escape?)");
        }
    }

    private static bool IsWhitespace(ReadOnlySpan<byte> rest)
    {
        foreach (var b in rest)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                return false;
        }

        return true;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "...";

    private static ApiException BadRequest(string reason) => new(StatusCodes.Status400BadRequest, reason);
}
