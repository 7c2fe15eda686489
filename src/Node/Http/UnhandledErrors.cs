using RaftTimers.Node.Answers;
namespace RaftTimers.Node.Http;

/// <summary>
/// The last line of defence: a bug becomes a logged 500 with a problem body rather than a dropped
/// connection. Bad input never reaches here; it is answered with a 4xx by the endpoints.
/// </summary>
public sealed partial class UnhandledErrors(RequestDelegate next, ILogger<UnhandledErrors> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            LogUnhandled(e, context.Request.Method, context.Request.Path);
            await ApiError.WriteAsync(context, StatusCodes.Status500InternalServerError, $"internal error: {e.GetType().Name}").ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private partial void LogUnhandled(Exception e, string method, string path);
}
