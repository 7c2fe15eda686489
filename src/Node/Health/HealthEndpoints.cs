using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Node.Http;

namespace RaftTimers.Node.Health;

/// <summary>
/// <c>GET /health/live</c> (the process serves HTTP; a node that can no longer apply its log exits instead) and
/// <c>GET /health/ready</c> (<see cref="ReadinessCheck"/>), ASP.NET Core health checks answering 200 or 503 with a
/// JSON body that says why.
/// </summary>
public static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static void AddChecks(IServiceCollection services, TimerNode node, TimeSpan readyTimeout)
        => services.AddHealthChecks().Add(new HealthCheckRegistration("raft", _ => new ReadinessCheck(node, readyTimeout),
            HealthStatus.Unhealthy, [ReadyTag]));

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = static r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
    }

    private static Task WriteAsync(HttpContext context, HealthReport report) =>
        TimerJson.WriteResponseAsync(context, context.Response.StatusCode, json =>
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description);
                foreach (var (key, value) in entry.Data)
                {
                    if (value is long number)
                        json.WriteNumber(key, number);
                    else
                        json.WriteString(key, value.ToString());
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        });
}
