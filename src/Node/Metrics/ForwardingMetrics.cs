using System.Diagnostics.Metrics;
using RaftTimers.Cluster.Forwarding;

namespace RaftTimers.Node.Metrics;

/// <summary>What this node forwarded to the leader (README, "Metrics"): frames sent, and the writes in them.</summary>
public static class ForwardingMetrics
{
    public static void AddTo(Meter meter, ForwardingCounters counters)
    {
        meter.CreateObservableCounter("rafttimers.forwarding.frames", () => counters.Frames, "{frame}",
            "Frames of timer writes this node sent to the leader over its forwarding connection");
        meter.CreateObservableCounter("rafttimers.forwarding.writes", () => counters.Writes, "{write}",
            "Timer writes this node forwarded to the leader; writes divided by frames is how many shared a frame");
    }
}
