using System.Threading.Channels;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Sink;
using RaftTimers.Support;

namespace RaftTimers.JepsenLike.Agent;

/// <summary>
/// Serves every request of the sink (Kestrel calls <see cref="HandleAsync"/> concurrently). <c>GET /_sink/health</c>
/// answers 200 and other <c>/_sink/*</c> paths 404, unlogged; anything else is a callback, which is read whole,
/// logged, then answered as the fault plan decides. The line is queued before the answer goes out, so whoever saw
/// the answer finds the line in the log once the writer's next flush is done.
/// </summary>
public sealed class SinkRequestHandler(FaultDecider faults, ChannelWriter<string> log, TimeProvider time)
{
    public async Task HandleAsync(HttpContext context)
    {
        var arrivedAtMs = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        var request = context.Request;
        if (request.Path.StartsWithSegments("/_sink", out var rest))
        {
            context.Response.StatusCode = rest == "/health" && HttpMethods.IsGet(request.Method) ? 200 : 404;
            return;
        }

        var decision = faults.Decide(arrivedAtMs);
        var answered = await ReadAndWaitAsync(context, decision);
        var (timerId, key, attempt) = CallbackHeaders.Read(request);
        await log.WriteAsync(SinkLog.Format(new SinkLog.Line(
            timerId,
            key,
            attempt,
            arrivedAtMs,
            answered ? decision.Status : 0,
            ActionName(decision.Action),
            request.Method,
            request.Path.Value)));

        if (decision.Action == SinkAction.Drop || !answered)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = decision.Status;
        if (decision.Status == 429)
            context.Response.Headers.RetryAfter = "1";
    }

    /// <summary>Reads the whole body, then waits as a slow answer must; false when the caller went away first, so nothing was answered.</summary>
    private async Task<bool> ReadAndWaitAsync(HttpContext context, SinkDecision decision)
    {
        try
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            if (decision.Delay > TimeSpan.Zero)
                await Task.Delay(decision.Delay, time, context.RequestAborted);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            return false;
        }
    }

    private static string ActionName(SinkAction action) => action switch
    {
        SinkAction.Ok => "ok",
        SinkAction.Slow => "slow",
        SinkAction.Error => "error",
        SinkAction.Drop => "drop",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}
