using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Cluster.Service;
using RaftTimers.Node.Configuration;

namespace RaftTimers.Node.Metrics;

/// <summary>
/// What the node tells OpenTelemetry (README, "Metrics" and "Tracing"): its own meter, the .NET runtime's, ASP.NET Core's
/// and HttpClient's, always at <c>/metrics</c>; with an OTLP endpoint configured, the same metrics pushed there, and
/// traces of the API requests, the callbacks' HTTP requests and each delivery attempt (<see cref="DeliveryTracing"/>).
/// </summary>
public static class NodeTelemetry
{
    /// <summary>
    /// The meters exported: the node's; the runtime's (GC pauses and heap growth explain a leader's lost term or memory
    /// under load); ASP.NET Core's request durations and Kestrel's connections; HttpClient's requests (the callbacks).
    /// </summary>
    public static readonly string[] Meters =
        [NodeMetrics.MeterName, "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http"];

    /// <summary>The activity sources traced when traces are exported: delivery attempts, ASP.NET Core's requests, HttpClient's.</summary>
    public static readonly string[] Sources = [WriteTracing.SourceName, DeliveryTracing.SourceName, "Microsoft.AspNetCore", "System.Net.Http"];

    public static void Add(IServiceCollection services, string nodeId, NodeSettings.TelemetrySection settings)
    {
        var otlp = settings.OtlpEndpoint.Length > 0;
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("rafttimers", serviceInstanceId: nodeId))
            .WithMetrics(m =>
            {
                m.AddMeter(Meters).AddPrometheusExporter();
                if (otlp)
                {
                    m.AddOtlpExporter((exporter, reader) =>
                    {
                        Configure(exporter, settings, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = settings.MetricsIntervalMs;
                    });
                }
            });
        if (otlp)
            telemetry.WithTracing(t => t.AddSource(Sources).AddOtlpExporter(exporter => Configure(exporter, settings, "v1/traces")));
    }

    private static void Configure(OtlpExporterOptions exporter, NodeSettings.TelemetrySection settings, string signalPath)
    {
        var endpoint = new Uri(settings.OtlpEndpoint);
        if (settings.OtlpProtocol == "http/protobuf")
        {
            // An endpoint set in code is taken as is over http/protobuf, so the signal's path goes on here, as the OTLP
            // specification does for the base endpoint.
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/" + signalPath);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = endpoint;
        }
    }
}
