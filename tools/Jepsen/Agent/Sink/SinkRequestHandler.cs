using System.Net;
using System.Threading.Channels;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Sink;
using RaftTimers.Support;

namespace RaftTimers.JepsenLike.Agent;

/// <summary>
/// What the agent's sink does with each request (the receiving is <see cref="CallbackSink"/>'s). <c>GET /_sink/health</c>
/// answers 200 and other <c>/_sink/*</c> paths 404, unlogged; anything else is a callback, which is read whole, answered
/// as the fault plan decides (200, slow, 503/429, or a dropped connection) and logged. The line is queued before the
/// answer goes out, so whoever saw the answer finds the line in the log once the writer's next flush is done.
/// </summary>
public sealed class SinkRequestHandler(FaultDecider faults, ChannelWriter<string> log)
{
    public CallbackSinkOptions Options(IPEndPoint listen) => new()
    {
        Listen = listen,
        IsCallback = static path => !path.StartsWithSegments("/_sink"),
        MapOther = static app => app.Run(context =>
        {
            context.Response.StatusCode = context.Request.Path == "/_sink/health" && HttpMethods.IsGet(context.Request.Method) ? 200 : 404;
            return Task.CompletedTask;
        }),
        Answer = Answer,
        Record = RecordAsync,
        KeepInMemory = false,
        // In-flight slow answers must not hold up a stop: the harness kills the sink 5 s after SIGTERM.
        ShutdownTimeout = TimeSpan.FromSeconds(2),
    };

    private CallbackAnswer Answer(CallbackArrival arrival)
    {
        var decision = faults.Decide(arrival.ArrivedAtUnixMicros / 1000.0);
        return new CallbackAnswer(decision.Status, decision.Delay, decision.Action == SinkAction.Drop, ActionName(decision.Action));
    }

    private ValueTask RecordAsync(CallbackArrival arrival, CallbackAnswer answer, bool answered)
        => log.WriteAsync(SinkLog.Format(new SinkLog.Line(
            arrival.TimerId,
            arrival.IdempotencyKey,
            arrival.Attempt,
            arrival.ArrivedAtUnixMicros / 1000.0,
            answered ? answer.Status : 0,
            answer.Label,
            arrival.Method,
            arrival.Path)));

    private static string ActionName(SinkAction action) => action switch
    {
        SinkAction.Ok => "ok",
        SinkAction.Slow => "slow",
        SinkAction.Error => "error",
        SinkAction.Drop => "drop",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}
