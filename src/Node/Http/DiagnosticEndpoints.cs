using System.Diagnostics;
using RaftTimers.Cluster.Hosting;

namespace RaftTimers.Node.Http;

/// <summary>
/// <c>GET /debug/memory</c>, served only when <c>RaftTimers:Diagnostics:MemoryEndpoint</c> is true: forces a full,
/// compacting, blocking collection and reports the managed heap that survives it, with the timers this node holds,
/// so the benchmark tool can measure memory per timer (docs/benchmarks.md).
/// </summary>
public static class DiagnosticEndpoints
{
    public static void Map(IEndpointRouteBuilder app, TimerNode node)
    {
        app.MapGet("/debug/memory", context =>
        {
            var collect = Stopwatch.StartNew();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            collect.Stop();
            var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
            var (timers, pending) = node.Store.Read(s => (s.Count, s.PendingCount));
            using var process = Process.GetCurrentProcess();
            return TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
            {
                json.WriteStartObject();
                json.WriteString("nodeId", node.Options.NodeId);
                json.WriteNumber("managedHeapBytes", GC.GetTotalMemory(forceFullCollection: false));
                json.WriteNumber("gcHeapSizeBytes", info.HeapSizeBytes);
                json.WriteNumber("workingSetBytes", process.WorkingSet64);
                json.WriteNumber("timers", timers);
                json.WriteNumber("pendingTimers", pending);
                json.WriteNumber("appliedIndex", node.AppliedIndex);
                json.WriteNumber("collectMs", collect.Elapsed.TotalMilliseconds);
                json.WriteEndObject();
            });
        }).ExcludeFromDescription(); // a benchmark aid that forces full collections, not part of the API
    }
}
