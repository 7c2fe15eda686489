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
public sealed class TimerRequestParser(CallbackTransports transports, CallbackPolicy policy, bool allowCredentialHeaders = false)
{
    private static readonly string[] Methods = ["post", "put", "patch", "delete", "get", "options", "head"];

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
            if (hasTimeout && hasDueAt)
                throw BadRequest("give timeout or dueAt, not both");
            if (!hasTimeout && !hasDueAt)
                throw BadRequest("timeout is required (integer milliseconds, 1 to 2147483647), or dueAt instead (an RFC 3339 time or Unix milliseconds)");
            var callback = ParseCallback(root);
            var headers = ParseHeaders(root.GetProperty("callback"));
            var data = ParseData(root);
            var spec = hasDueAt ? TimerSpec.At(ParseDueAt(dueAt), callback, data) : new TimerSpec(ParseTimeout(timeout), callback, data);
            return headers is null ? spec : spec with { Headers = headers };
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

        var transport = RequiredString(callback, "transport");
        if (!transports.TryGet(transport, out var carrier))
            throw BadRequest($"unknown callback transport '{Clip(transport)}'; supported: {string.Join(", ", transports.Names)}");

        var method = RequiredString(callback, "method").ToLowerInvariant();
        if (!Methods.Contains(method))
            throw BadRequest($"unsupported callback method '{Clip(method)}'; use one of {string.Join(", ", Methods)}");

        var uri = RequiredString(callback, "uri");
        if (uri.Length > TimerLimits.MaxUriLength)
            throw BadRequest($"callback.uri is longer than {TimerLimits.MaxUriLength} characters");
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !carrier.Accepts(parsed))
            throw BadRequest($"callback.uri of transport {transport} must be {carrier.TargetShape}, got '{Clip(uri)}'");
        if (policy.WhyDenied(parsed) is { } denied)
            throw BadRequest(denied);

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

    private static string RequiredString(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw BadRequest($"callback.{name} is required");
        if (value.ValueKind != JsonValueKind.String)
            throw BadRequest($"callback.{name} must be a string, not {Describe(value.ValueKind)}");
        var text = Text(value, $"callback.{name}");
        if (text.Length == 0)
            throw BadRequest($"callback.{name} must not be empty");
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
