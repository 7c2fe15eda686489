using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RaftTimers.Client;

namespace RaftTimers.Tools.Cli.Input;

/// <summary>
/// Checks what the user typed against the limits of docs/api.md and the README ("Security and limits") before anything is
/// sent, so that bad input is a usage error (exit code 2) with a message that names the option, not a round trip.
/// The server checks everything again; its 400 maps to the same exit code.
/// </summary>
internal static class TimerInput
{
    public const int MaxIdLength = 128;
    public const int MaxUriLength = 4096;
    public const long MaxDelayMs = TimerRequest.MaxTimeoutMs;

    public static readonly string[] Methods = ["post", "put", "patch", "delete", "get", "options", "head"];
    public static readonly IReadOnlyList<string> States = TimerStates.All;

    /// <summary>A delay in milliseconds: a whole number, or one with the unit ms, s, m or h (<c>1500</c>, <c>90s</c>, <c>5m</c>).</summary>
    public static long ParseDelayMs(string text)
    {
        var trimmed = text.Trim();
        var (digits, unitMs) = trimmed switch
        {
            _ when trimmed.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (trimmed[..^2], 1L),
            _ when trimmed.EndsWith('s') || trimmed.EndsWith('S') => (trimmed[..^1], 1_000L),
            _ when trimmed.EndsWith('m') || trimmed.EndsWith('M') => (trimmed[..^1], 60_000L),
            _ when trimmed.EndsWith('h') || trimmed.EndsWith('H') => (trimmed[..^1], 3_600_000L),
            _ => (trimmed, 1L),
        };
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxDelayMs / unitMs
            || count * unitMs is < 1 or > MaxDelayMs)
            throw CliFailure.Usage($"--delay must be 1 to {MaxDelayMs} ms, as a whole number of ms or with a unit (1500, 1500ms, 90s, 5m, 2h), not '{text}'");
        return count * unitMs;
    }

    /// <summary>
    /// An absolute due time for <c>--at</c>: an RFC 3339 date-time with its offset (<c>2027-01-01T09:00:00Z</c>,
    /// <c>2027-01-01T10:00:00+01:00</c>). A time without an offset is refused rather than read in this machine's zone.
    /// </summary>
    public static DateTimeOffset ParseDueAt(string text)
    {
        var trimmed = text.Trim();
        var hasOffset = trimmed.EndsWith('Z') || trimmed.EndsWith('z')
            || (trimmed.Length > 6 && trimmed[^6] is '+' or '-' && trimmed[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParseExact(trimmed.Replace('z', 'Z').Replace('t', 'T'),
                ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            || time < TimerRequest.MinDueAt)
            throw CliFailure.Usage($"--at must be an RFC 3339 time with an offset, from 2000-01-01 on (2027-01-01T09:00:00Z, 2027-01-01T10:00:00+01:00), not '{text}'");
        return time;
    }

    public static string RequireId(string? id, string what)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength || !id.All(IsIdChar) || id is "." or "..")
            throw CliFailure.Usage($"{what} must be 1-{MaxIdLength} characters of [A-Za-z0-9._~-] other than . and .., not '{id}'");
        return id;
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '-';

    public static string RequireMethod(string method)
    {
        var lower = method.ToLowerInvariant();
        if (!Methods.Contains(lower))
            throw CliFailure.Usage($"--method must be one of {string.Join(", ", Methods)}, not '{method}'");
        return lower;
    }

    /// <summary>
    /// The callback URI. For <c>http</c> it must be http(s); other transports (<c>tcp</c>, a node's plug-ins) decide
    /// their own URIs, so the node checks those and the CLI only that the URI is absolute.
    /// </summary>
    public static string RequireCallbackUri(string? uri, string transport = "http", string option = "--callback", string what = "the absolute URI the timer calls when it fires")
    {
        if (string.IsNullOrWhiteSpace(uri))
            throw CliFailure.Usage($"{option} is required: {what}");
        if (uri.Length > MaxUriLength || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
            throw CliFailure.Usage($"{option} must be an absolute URI of at most {MaxUriLength} characters, not '{uri}'");
        if (transport == "http" && parsed.Scheme is not ("http" or "https"))
            throw CliFailure.Usage($"{option} must be an absolute http or https URI for the http transport, not '{uri}'");
        return uri;
    }

    public static string RequireTransport(string transport)
    {
        var lower = transport.ToLowerInvariant();
        if (lower.Length is 0 or > 32 || !char.IsAsciiLetterLower(lower[0]) || !lower.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            throw CliFailure.Usage($"--transport must be a transport name (http, tcp, or one of the node's plug-ins), not '{transport}'");
        return lower;
    }

    public static string? RequireState(string? state)
    {
        if (state is null)
            return null;
        var lower = state.ToLowerInvariant();
        if (!States.Contains(lower))
            throw CliFailure.Usage($"--state must be one of {string.Join(", ", States)}, not '{state}'");
        return lower;
    }

    /// <summary>The timer's data: <c>--data</c> as text, or <c>--data-json</c> as a JSON object; not both.</summary>
    public static JsonNode? Data(string? text, string? json)
    {
        if (text is not null && json is not null)
            throw CliFailure.Usage("give --data (text) or --data-json (a JSON object), not both");
        if (text is not null)
            return JsonValue.Create(text);
        if (json is null)
            return null;
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw CliFailure.Usage($"--data-json is not valid JSON: {e.Message}");
        }

        if (parsed is not JsonObject)
            throw CliFailure.Usage("--data-json must be a JSON object ({...}); use --data for text");
        return parsed;
    }

    /// <summary>
    /// <c>--header "Name: value"</c> options as the callback's headers; null for none. Only the form is checked here
    /// (a name, a colon, each name once): the node says which names and values it takes.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Headers(IReadOnlyList<string> options)
    {
        if (options.Count == 0)
            return null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in options)
        {
            var colon = option.IndexOf(':');
            if (colon <= 0)
                throw CliFailure.Usage($"--header must be \"Name: value\", got '{option}'");
            var name = option[..colon].Trim();
            if (!headers.TryAdd(name, option[(colon + 1)..].Trim()))
                throw CliFailure.Usage($"--header names '{name}' twice");
        }

        return headers;
    }
}
