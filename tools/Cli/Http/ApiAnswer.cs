using System.Net;
using System.Text.Json;

namespace RaftTimers.Tools.Cli.Http;

/// <summary>One node's answer: its status, body, the <c>x-skyring-reason</c> of an error, and which node gave it.</summary>
internal sealed record ApiAnswer(Uri Node, HttpStatusCode Status, string Body, string? Reason)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CliFailure($"{Node} answered {(int)Status} with a body that is not JSON: {e.Message}", ExitCodes.Unavailable);
        }
    }

    /// <summary>The exit code for an error answer, by status class (see <see cref="ExitCodes"/>).</summary>
    public int ExitCode => (int)Status switch
    {
        400 or 413 => ExitCodes.Usage,
        429 or >= 500 => ExitCodes.Unavailable,
        _ => ExitCodes.Refused,
    };

    /// <summary>Throws a <see cref="CliFailure"/> naming the status and the server's reason unless the answer is a success.</summary>
    public ApiAnswer EnsureSuccess(string what)
    {
        if (IsSuccess)
            return this;
        var reason = Reason ?? ProblemDetail() ?? (Body.Length > 0 ? Body : "no reason given");
        throw new CliFailure($"{what}: {(int)Status} {StatusName(Status)}: {reason}", ExitCode);
    }

    private string? ProblemDetail()
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("detail", out var detail)
                ? detail.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string StatusName(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.RequestEntityTooLarge => "Content Too Large",
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        HttpStatusCode.BadGateway => "Bad Gateway",
        HttpStatusCode.InsufficientStorage => "Insufficient Storage",
        _ => status.ToString(),
    };
}
