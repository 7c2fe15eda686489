using System.Diagnostics.Metrics;
using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Node.Metrics;

namespace RaftTimers.Node.Tests.Metrics;

/// <summary>
/// Delivery attempts are counted by outcome and by kind, so a dashboard tells a failing callback from a failing
/// dead-letter notice (README, "Metrics").
/// </summary>
public sealed class TimerMetricsTests
{
    [Fact]
    public void An_attempt_is_counted_and_timed_under_its_outcome_and_kind()
    {
        using var meter = new Meter("test." + Guid.NewGuid().ToString("N"));
        var metrics = new TimerMetrics(meter);
        var seen = new List<(string Instrument, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen.Add((i.Name, v, Describe(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => seen.Add((i.Name, v, Describe(tags))));
        listener.Start();

        metrics.AttemptEnded(DeliveryAttemptOutcome.Delivered, TimeSpan.FromMilliseconds(20), deadLetterNotice: false);
        metrics.AttemptEnded(DeliveryAttemptOutcome.Retry, TimeSpan.FromMilliseconds(30), deadLetterNotice: true);
        metrics.AttemptEnded(DeliveryAttemptOutcome.Failed, null, deadLetterNotice: true);

        Assert.Equal(
        [
            ("rafttimers.deliveries.attempts", 1, "kind=callback,outcome=delivered"),
            ("rafttimers.deliveries.duration", 0.02, "kind=callback,outcome=delivered"),
            ("rafttimers.deliveries.attempts", 1, "kind=dead_letter,outcome=retry"),
            ("rafttimers.deliveries.duration", 0.03, "kind=dead_letter,outcome=retry"),
            ("rafttimers.deliveries.attempts", 1, "kind=dead_letter,outcome=failed"),
        ], seen);
    }

    private static string Describe(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>();
        foreach (var tag in tags)
            parts.Add($"{tag.Key}={tag.Value}");
        parts.Sort(StringComparer.Ordinal);
        return string.Join(',', parts);
    }
}
