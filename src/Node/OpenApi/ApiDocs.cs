using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.OpenApi;

namespace RaftTimers.Node.OpenApi;

/// <summary>
/// Describes an endpoint for the OpenAPI document, called next to its <c>Map...</c> call. The handlers take
/// <see cref="HttpContext"/> and parse their bodies themselves, so the document learns bodies, responses and
/// parameters only from this metadata; <see cref="ApiDocument"/> turns the security and header metadata into the
/// document's form.
/// </summary>
public static class ApiDocs
{
    public const string Json = "application/json";
    public const string Problem = "application/problem+json";

    /// <summary>
    /// ASP.NET's API explorer describes only endpoints whose metadata holds a handler method, which endpoints mapped with a
    /// <see cref="RequestDelegate"/> lack. The explorer reads the method's parameters and return type: this one's
    /// (an <see cref="HttpContext"/>, a <see cref="Task"/>) add nothing, so the document says only what this metadata says.
    /// It changes nothing in routing or request handling.
    /// </summary>
    private static readonly System.Reflection.MethodInfo HandlerSignature =
        ((Func<HttpContext, Task>)HandledFromContext).Method;

    private static Task HandledFromContext(HttpContext context) => Task.CompletedTask;

    /// <summary>Operation id (also the endpoint's name), tag, summary and an optional longer description.</summary>
    public static IEndpointConventionBuilder Operation(this IEndpointConventionBuilder builder, string operationId, string tag, string summary, string? description = null)
    {
        builder.WithMetadata(HandlerSignature).WithName(operationId).WithTags(tag).WithSummary(summary);
        return description is null ? builder : builder.WithDescription(description);
    }

    /// <summary>
    /// A JSON request body of the shape <typeparamref name="T"/>. The metadata names no content type on purpose: routing
    /// matches a request's Content-Type against the ones named, and the endpoints take JSON whatever the client calls it
    /// (Skyring clients and <c>curl -d</c> send none, or a form type). Without one, the document says application/json.
    /// </summary>
    public static IEndpointConventionBuilder Takes<T>(this IEndpointConventionBuilder builder, bool optional = false)
        => builder.WithMetadata(new AcceptsMetadata([], typeof(T), optional));

    /// <summary>A response with a body of the shape <typeparamref name="T"/>.</summary>
    public static IEndpointConventionBuilder Responds<T>(this IEndpointConventionBuilder builder, int status, string description, string contentType = Json)
        => builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(T), [contentType]) { Description = description });

    /// <summary>A response without a body.</summary>
    public static IEndpointConventionBuilder Responds(this IEndpointConventionBuilder builder, int status, string description)
        => builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(void)) { Description = description });

    /// <summary>An error answer (<see cref="Answers.ApiError"/>): a problem body and the <c>x-skyring-reason</c> header.</summary>
    public static IEndpointConventionBuilder Refuses(this IEndpointConventionBuilder builder, int status, string description)
        => builder.Responds<ProblemShape>(status, description, Problem);

    /// <summary>Every timer request passes the API token check first, when the node has one (<c>RaftTimers:Security:ApiToken</c>).</summary>
    public static IEndpointConventionBuilder NeedsApiToken(this IEndpointConventionBuilder builder, bool tokenConfigured)
        => tokenConfigured
            ? builder.WithMetadata(new ApiSecurity(ApiDocument.ApiTokenScheme))
                .Refuses(StatusCodes.Status401Unauthorized, "the Authorization header does not carry the timer API token")
            : builder;

    /// <summary>Cluster changes always need the admin token; with none configured they are always refused.</summary>
    public static IEndpointConventionBuilder NeedsAdminToken(this IEndpointConventionBuilder builder)
        => builder.WithMetadata(new ApiSecurity(ApiDocument.AdminTokenScheme))
            .Refuses(StatusCodes.Status401Unauthorized, "no admin token is configured on this node, or the request does not carry it");

    /// <summary>A route parameter; ASP.NET sees only the ones a typed handler binds.</summary>
    public static IEndpointConventionBuilder Path(this IEndpointConventionBuilder builder, string name, string description, OpenApiSchema schema)
        => builder.WithMetadata(new ApiParameter(name, ParameterLocation.Path, description, schema));

    /// <summary>A query parameter.</summary>
    public static IEndpointConventionBuilder Query(this IEndpointConventionBuilder builder, string name, string description, OpenApiSchema schema)
        => builder.WithMetadata(new ApiParameter(name, ParameterLocation.Query, description, schema));

    /// <summary>A request header the endpoint reads.</summary>
    public static IEndpointConventionBuilder Header(this IEndpointConventionBuilder builder, string name, string description, OpenApiSchema schema)
        => builder.WithMetadata(new ApiParameter(name, ParameterLocation.Header, description, schema));

    /// <summary>A header a response of the given status carries (beyond the ones every error carries).</summary>
    public static IEndpointConventionBuilder ResponseHeader(this IEndpointConventionBuilder builder, int status, string name, string description)
        => builder.WithMetadata(new ApiResponseHeader(status, name, description));

    /// <summary>What every timer write may be refused with besides its own errors (README, errors and limits).</summary>
    public static IEndpointConventionBuilder TimerWriteRefusals(this IEndpointConventionBuilder builder, bool tokenConfigured, bool withBody = true)
    {
        builder.NeedsApiToken(tokenConfigured);
        if (withBody)
            builder.Refuses(StatusCodes.Status400BadRequest, "malformed JSON, a wrong type, an out-of-range value, a bad id, or a callback target the callback policy denies")
                .Refuses(StatusCodes.Status408RequestTimeout, "the body did not arrive whole within RaftTimers:BodyTimeoutMs")
                .Refuses(StatusCodes.Status413PayloadTooLarge, "the body is larger than RaftTimers:MaxBodyBytes")
                .Refuses(StatusCodes.Status415UnsupportedMediaType, "the body is not declared as JSON (Content-Type: application/json)")
                .Refuses(StatusCodes.Status501NotImplemented, "a newer field or command (dueAt, callback.headers, a schedule, a pause or resume, a deadLetter) while not every member reads it yet (a rolling upgrade is unfinished); nothing was written");
        else
            builder.Refuses(StatusCodes.Status400BadRequest, "a malformed timer id");
        return builder.Refuses(StatusCodes.Status403Forbidden, "the write comes from a browser page whose Origin is not in RaftTimers:Security:AllowedOrigins (when set)")
            .Refuses(StatusCodes.Status429TooManyRequests, "this node handles its limit of timer writes at once (RaftTimers:MaxInFlightWrites); nothing was written")
            .Refuses(StatusCodes.Status503ServiceUnavailable,
                "no leader reachable in time, or the outcome is unknown (retry with the same x-timer-id), or this node is not a member");
    }

    /// <summary>What every timer read may be refused with besides its own errors.</summary>
    public static IEndpointConventionBuilder TimerReadRefusals(this IEndpointConventionBuilder builder, bool tokenConfigured)
        => builder.NeedsApiToken(tokenConfigured)
            .Refuses(StatusCodes.Status400BadRequest, "a bad id or query parameter")
            .Refuses(StatusCodes.Status503ServiceUnavailable, "the latest state could not be confirmed with a leader in time, or this node is not a member");

    public static OpenApiSchema Text(string? pattern = null, int? maxLength = null)
        => new() { Type = JsonSchemaType.String, Pattern = pattern, MaxLength = maxLength };

    public static OpenApiSchema Integer(int minimum, int maximum, int defaultValue)
        => new()
        {
            Type = JsonSchemaType.Integer,
            Format = "int32",
            Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Default = System.Text.Json.Nodes.JsonValue.Create(defaultValue),
        };

    public static OpenApiSchema OneOf(params string[] values)
        => new() { Type = JsonSchemaType.String, Enum = [.. values.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v))] };
}

/// <summary>The endpoint needs the bearer token of this security scheme.</summary>
public sealed record ApiSecurity(string Scheme);

/// <summary>A parameter the handler reads itself, so ASP.NET cannot see it.</summary>
public sealed record ApiParameter(string Name, ParameterLocation In, string Description, OpenApiSchema Schema);

public sealed record ApiResponseHeader(int Status, string Name, string Description);
