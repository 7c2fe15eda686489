using System.Globalization;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Http;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Dashboard;

/// <summary>
/// The web dashboard: <c>GET /dashboard/</c> (the page and its embedded files) and the JSON it polls,
/// <c>GET /dashboard/api/activity</c> (per-second figures, pending timers, next due, recent failed deliveries; the timer
/// API token when one is configured, since it names timers and their errors) and <c>GET /dashboard/api/cluster</c>
/// (members with their indexes and lag; open, like <c>/cluster</c>). Timer lookups and cancels go to the timer API itself.
/// </summary>
public sealed class DashboardEndpoints(TimerNode node, ActivityTracker activity, ClusterOverview overview, BearerToken? apiToken,
    DashboardAssets assets, TimeProvider clock)
{
    /// <summary>The default window of <c>/dashboard/api/activity</c>, in seconds.</summary>
    public const int DefaultSeconds = 60;

    // The page runs only its own files: no inline script, nothing from another origin, no framing.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public void Map(IEndpointRouteBuilder app)
    {
        // Routing matches /dashboard and /dashboard/ alike; the page needs the slash for its relative links.
        app.MapGet("/dashboard", context => context.Request.Path.Value!.EndsWith('/') ? ServeAsync(context, "index.html") : RedirectAsync(context));
        app.MapGet("/dashboard/{file}", context => ServeAsync(context, (string)context.Request.RouteValues["file"]!));
        app.MapGet("/dashboard/api/activity", ActivityAsync);
        app.MapGet("/dashboard/api/cluster", overview.WriteAsync);
    }

    private static Task RedirectAsync(HttpContext context)
    {
        // Relative, so it also works behind a proxy that serves the node under a path prefix.
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = "dashboard/" + context.Request.QueryString;
        return Task.CompletedTask;
    }

    private Task ServeAsync(HttpContext context, string name)
    {
        if (assets.Find(name) is not { } asset)
            return ApiError.WriteAsync(context, StatusCodes.Status404NotFound, $"the dashboard has no file named {name}");
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.ContentLength = asset.Bytes.Length;
        return context.Response.Body.WriteAsync(asset.Bytes, context.RequestAborted).AsTask();
    }

    private async Task ActivityAsync(HttpContext context)
    {
        if (apiToken is not null && apiToken.Check(context.Request) is var check and not BearerCheck.Accepted)
        {
            await BearerToken.ChallengeAsync(context, check).ConfigureAwait(false);
            return;
        }

        if (!TryReadSeconds(context.Request.Query["seconds"], out var seconds, out var reason))
        {
            await ApiError.WriteAsync(context, StatusCodes.Status400BadRequest, reason).ConfigureAwait(false);
            return;
        }

        // The exception itself went to the node's log when it happened (NodeHost); the answer only says what it means.
        if (node.Store.ObserverFault is not null)
        {
            await ApiError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "activity is no longer counted on this node: its counter failed (the node's log has the error)").ConfigureAwait(false);
            return;
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var (pending, nextDueKnown, nextDue, appliedIndex) = node.Store.Read(state =>
        {
            var known = activity.TryNextDue(state, out var next);
            return (state.PendingCount, known, next, state.LastAppliedIndex);
        });
        var window = activity.Window(now, seconds);
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("nodeId", node.Options.NodeId);
            json.WriteNumber("nowUnixMs", now);
            json.WriteNumber("observingSinceUnixMs", activity.ObservingSinceUnixMs);
            var installed = activity.SnapshotInstalledAtUnixMs;
            if (installed == 0)
                json.WriteNull("snapshotInstalledAtUnixMs");
            else
                json.WriteNumber("snapshotInstalledAtUnixMs", installed);
            json.WriteNumber("appliedIndex", appliedIndex);
            json.WriteNumber("pendingTimers", pending);
            // False for a while after a snapshot install: the index behind nextDue is rebuilt at most every 30 s.
            json.WriteBoolean("nextDueKnown", nextDueKnown);
            if (nextDue is null)
            {
                json.WriteNull("nextDue");
            }
            else
            {
                json.WriteStartObject("nextDue");
                json.WriteString("id", nextDue.Id);
                json.WriteNumber("version", nextDue.Version);
                json.WriteString("dueAt", DateTimeOffset.FromUnixTimeMilliseconds(nextDue.DueAtUnixMs));
                json.WriteNumber("dueAtUnixMs", nextDue.DueAtUnixMs);
                json.WriteEndObject();
            }

            json.WriteNumber("firstSecondUnix", window.FirstSecond);
            json.WriteNumber("seconds", seconds);
            json.WriteStartObject("series");
            WriteSeries(json, "creates", window, c => c.Creates);
            WriteSeries(json, "updates", window, c => c.Updates);
            WriteSeries(json, "cancels", window, c => c.Cancels);
            WriteSeries(json, "fires", window, c => c.Fires);
            WriteSeries(json, "deliveries", window, c => c.Deliveries);
            WriteSeries(json, "failures", window, c => c.FailedAttempts);
            WriteSeries(json, "failedTimers", window, c => c.FailedTimers);
            WriteSeries(json, "latenessAvgMs", window, c => c.LatenessAvgMs);
            WriteSeries(json, "latenessMaxMs", window, c => c.LatenessMaxMs);
            json.WriteEndObject();

            json.WriteStartArray("recentFailures");
            foreach (var failure in window.RecentFailures)
            {
                json.WriteStartObject();
                json.WriteString("at", DateTimeOffset.FromUnixTimeMilliseconds(failure.StampUnixMs));
                json.WriteString("timerId", failure.TimerId);
                json.WriteNumber("version", failure.Version);
                json.WriteNumber("attempt", failure.Attempt);
                json.WriteBoolean("final", failure.Final);
                json.WriteString("error", failure.Error);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteSeries(System.Text.Json.Utf8JsonWriter json, string name, ActivityWindow window, Func<SecondCounts, long> value)
    {
        json.WriteStartArray(name);
        foreach (var counts in window.Seconds)
            json.WriteNumberValue(value(counts));
        json.WriteEndArray();
    }

    /// <summary>The optional <c>seconds</c> query parameter: one whole number from 1 to <see cref="ActivityTracker.WindowSeconds"/>.</summary>
    public static bool TryReadSeconds(Microsoft.Extensions.Primitives.StringValues values, out int seconds, out string reason)
    {
        seconds = DefaultSeconds;
        reason = "";
        if (values.Count == 0)
            return true;
        if (values.Count > 1)
        {
            reason = "seconds is given more than once";
            return false;
        }

        if (!int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out seconds)
            || seconds < 1 || seconds > ActivityTracker.WindowSeconds)
        {
            reason = $"seconds must be a whole number from 1 to {ActivityTracker.WindowSeconds}";
            seconds = DefaultSeconds;
            return false;
        }

        return true;
    }
}
