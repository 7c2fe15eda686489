using System.Diagnostics;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Service;

/// <summary>
/// The span of each client write (README, "Tracing"): from the node the request entered, through forwarding to the
/// leader, to the commit of its entry. It is a child of the API request's span, and a create or replace keeps its
/// context in the log (<see cref="TraceContext"/>), so each delivery attempt of that version, on whichever node leads
/// when it is due, is a child of it (Delivery.DeliveryTracing). Nothing is recorded unless a listener (the node's OTLP
/// export) asks for it, and nothing is kept in the log for a write nobody traces.
/// </summary>
public static class WriteTracing
{
    public const string SourceName = "RaftTimers.Writes";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the span of <paramref name="command"/>; null when nobody listens.</summary>
    public static Activity? Start(TimerCommand command)
    {
        var activity = Source.StartActivity(command switch
        {
            CreateTimer => "timer create",
            UpdateTimer => "timer replace",
            CancelTimer => "timer cancel",
            PauseTimer => "timer pause",
            ResumeTimer => "timer resume",
            RedriveTimer => "timer redrive",
            _ => "timer write",
        });
        if (activity is { IsAllDataRequested: true })
            activity.SetTag("rafttimers.timer.id", command.TimerId);
        return activity;
    }

    /// <summary>
    /// Starts the span of a batch on the node that runs it (the leader: a follower hands the request on whole, and the
    /// leader's request span continues the follower's trace); its creates and replaces keep its context.
    /// </summary>
    public static Activity? StartBatch(int items)
    {
        var activity = Source.StartActivity("timer batch");
        if (activity is { IsAllDataRequested: true })
            activity.SetTag("rafttimers.batch.items", items);
        return activity;
    }

    /// <summary>The context a create or replace keeps for its delivery attempts: that of a recorded span, else none.</summary>
    public static TraceContext? ContextOf(Activity? activity)
    {
        if (activity is not { Recorded: true } || activity.IdFormat != ActivityIdFormat.W3C)
            return null;
        Span<byte> bytes = stackalloc byte[TraceContext.EncodedBytes];
        activity.TraceId.CopyTo(bytes[..16]);
        activity.SpanId.CopyTo(bytes[16..24]);
        bytes[24] = (byte)activity.ActivityTraceFlags;
        return TraceContext.Read(bytes);
    }

    /// <summary>The parent a delivery attempt's span takes from a kept context.</summary>
    public static ActivityContext ParentOf(TraceContext trace)
    {
        Span<byte> bytes = stackalloc byte[TraceContext.EncodedBytes];
        trace.WriteTo(bytes);
        return new ActivityContext(ActivityTraceId.CreateFromBytes(bytes[..16]), ActivitySpanId.CreateFromBytes(bytes[16..24]),
            (ActivityTraceFlags)trace.Flags, isRemote: true);
    }

    /// <summary>Records how the write ended on its span.</summary>
    public static void Ended(Activity? activity, WriteResult result)
    {
        if (activity is null)
            return;
        activity.SetTag("rafttimers.write.end", result.End.ToString().ToLowerInvariant());
        activity.SetTag("rafttimers.write.forwarded", result.Forwarded);
        if (result.End == WriteEnd.Ran)
        {
            activity.SetTag("rafttimers.write.outcome", result.Result.Outcome.ToString());
            activity.SetTag("rafttimers.timer.version", result.Result.Version);
        }
        else
        {
            activity.SetStatus(ActivityStatusCode.Error, result.Reason);
        }
    }
}
