using Microsoft.OpenApi;

namespace RaftTimers.Node.OpenApi;

/// <summary>
/// <c>/health/live</c>, <c>/health/ready</c> (HealthEndpoints) and <c>/metrics</c> (NodeHost) in the document. ASP.NET's
/// MapHealthChecks and the Prometheus exporter map them for every HTTP method, and the API explorer lists only endpoints
/// bound to methods; binding them to GET would change what probes using HEAD or OPTIONS get. So they are described
/// here, as the GET that probes and scrapers use. OpenApiTests checks that each path listed is served.
/// </summary>
internal static class OperationalPaths
{
    private const string Tag = "Operations";

    public static void Add(OpenApiDocument document)
    {
        document.Paths ??= [];
        var health = HealthSchema();
        document.Paths["/health/live"] = Get("live", "Liveness",
            "200 while the process serves HTTP; a node that can no longer apply its log exits instead.",
            (StatusCodes.Status200OK, "live", health));
        document.Paths["/health/ready"] = Get("ready", "Readiness",
            "200 when the node knows a leader and has applied everything the leader has committed (confirmed with Raft's read barrier); "
            + "otherwise 503 with the reason in checks.raft.description. Point load balancers here.",
            (StatusCodes.Status200OK, "ready", health),
            (StatusCodes.Status503ServiceUnavailable, "not ready", health));
        document.Paths["/metrics"] = Get("metrics", "Prometheus metrics",
            "Prometheus text format, written by OpenTelemetry from the RaftTimers meter (README, Metrics).",
            (StatusCodes.Status200OK, "the node's metrics", null));
    }

    /// <summary>An ASP.NET Core health report as HealthEndpoints writes it.</summary>
    private static OpenApiSchema HealthSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "status", "checks" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Healthy or Unhealthy." },
            ["checks"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Per check (raft for readiness): status, description, and figures such as term and appliedIndex.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Object },
            },
        },
    };

    private static OpenApiPathItem Get(string operationId, string summary, string description, params (int Status, string Description, OpenApiSchema? Json)[] responses)
    {
        var operation = new OpenApiOperation
        {
            OperationId = operationId,
            Summary = summary,
            Description = description,
            Tags = new HashSet<OpenApiTagReference> { new(Tag) },
            Responses = [],
        };
        foreach (var (status, text, json) in responses)
        {
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = text,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [json is null ? "text/plain" : ApiDocs.Json] = new() { Schema = json ?? new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            };
        }

        return new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
    }
}
