using System.Diagnostics;
using RaftTimers.Core.Apply;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// The activity of each delivery attempt (README, "Tracing"): one per attempt of a callback or a dead-letter notice,
/// tagged with the timer, its version, the attempt and the idempotency key, and a child of the span of the write that
/// made the version when that was traced (Service.WriteTracing). The transport's own request (HttpClient's)
/// is its child, and carries it to the receiver as <c>traceparent</c>. Nothing is recorded unless a listener (the
/// node's OTLP export) asks for it.
/// </summary>
public static class DeliveryTracing
{
    public const string SourceName = "RaftTimers.Delivery";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the activity of attempt <paramref name="attempt"/> of <paramref name="sent"/>; null when nobody listens.</summary>
    public static Activity? StartAttempt(TimerRecord sent, int attempt)
    {
        // A child of the write that made this version, when it was traced; otherwise the root of a trace of its own.
        var name = sent.IsDeadLetterNotice ? "deliver dead-letter notice" : "deliver callback";
        var activity = sent.Trace is { } written
            ? Source.StartActivity(name, ActivityKind.Producer, Service.WriteTracing.ParentOf(written))
            : Source.StartActivity(name, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rafttimers.timer.id", sent.Id);
            activity.SetTag("rafttimers.timer.version", sent.Version);
            activity.SetTag("rafttimers.delivery.attempt", attempt);
            activity.SetTag("rafttimers.delivery.idempotency_key", sent.IdempotencyKey);
            activity.SetTag("rafttimers.delivery.transport", sent.Spec.Callback.Transport);
        }

        return activity;
    }

    /// <summary>Records the attempt's outcome on its activity.</summary>
    public static void Ended(Activity? activity, Core.Lead.AttemptResult result)
    {
        if (activity is null)
            return;
        activity.SetTag("rafttimers.delivery.outcome", result.Succeeded ? "delivered" : result.Permanent ? "refused" : "failed");
        if (!result.Succeeded)
            activity.SetStatus(ActivityStatusCode.Error, result.Error);
    }
}
