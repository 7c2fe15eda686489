using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace RaftTimers.Node.Answers;

/// <summary>
/// Every error answer (docs/api.md): the status, an <c>x-skyring-reason</c> header with a human-readable
/// reason, and an RFC 7807 <c>application/problem+json</c> body carrying the same reason. An answer to a create
/// also names the timer's id, in the <c>x-timer-id</c> header its endpoint sets and in the body's <c>timerId</c>, so
/// that a create whose outcome is unknown can be retried with that id (a retry with the same id and body is idempotent).
/// </summary>
public static class ApiError
{
    public const string ReasonHeader = "x-skyring-reason";

    /// <summary>The header that names a create's timer id, on the request and on every answer to it, errors included.</summary>
    public const string TimerIdHeader = "x-timer-id";

    public static async Task WriteAsync(HttpContext context, int status, string reason, int? retryAfterSeconds = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers[ReasonHeader] = HeaderSafe(reason);
        if (retryAfterSeconds is { } seconds)
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.ContentType = "application/problem+json";

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "about:blank");
            json.WriteString("title", ReasonPhrases.GetReasonPhrase(status));
            json.WriteNumber("status", status);
            json.WriteString("detail", reason);
            if (response.Headers.TryGetValue(TimerIdHeader, out var timerId))
                json.WriteString("timerId", timerId.ToString());
            json.WriteEndObject();
        }

        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Runs an endpoint's handler and answers an <see cref="ApiException"/> it throws as an error response.</summary>
    public static async Task Guard(HttpContext context, Func<HttpContext, Task> handler)
    {
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, e).ConfigureAwait(false);
        }
    }

    /// <summary>Answers a refused request: 401 with its challenge, 429 and 503 with <c>Retry-After</c>.</summary>
    public static Task WriteAsync(HttpContext context, ApiException e)
    {
        if (e.Status == StatusCodes.Status401Unauthorized)
            context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(context, e.Status, e.Message, e.Status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests ? 1 : null);
    }

    /// <summary>Header values must be visible ASCII: anything else becomes '?', and the length is bounded.</summary>
    /// <summary>A value the client sent, as a reason may quote it: printable ASCII, at most 100 characters.</summary>
    public static string Quote(string value)
    {
        var kept = new string([.. value.Take(100).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
        return value.Length > 100 ? kept + "..." : kept;
    }

    private static string HeaderSafe(string reason)
    {
        var builder = new StringBuilder(Math.Min(reason.Length, 512));
        foreach (var c in reason.AsSpan(0, Math.Min(reason.Length, 512)))
            builder.Append(c is >= ' ' and <= '~' ? c : '?');
        return builder.ToString();
    }
}

/// <summary>A request the API refuses, with its status and reason; thrown by parsers, answered by the endpoint.</summary>
public sealed class ApiException(int status, string reason) : Exception(reason)
{
    public int Status { get; } = status;

    /// <summary>The leader decided this refusal for a write this node forwarded, and counted it (<see cref="Metrics.TimerMetrics"/>).</summary>
    public bool Forwarded { get; init; }
}
