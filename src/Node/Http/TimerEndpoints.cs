using RaftTimers.Cluster.Service;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Configuration;
using RaftTimers.Node.Metrics;
using RaftTimers.Node.OpenApi;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Http;

/// <summary>
/// The Skyring-compatible timer API (docs/api.md) on every node. Writes go to the leader (<see cref="TimerService"/>: forwarded
/// over the cluster's forwarding channel when this node is a follower) and are answered only after their entry is
/// committed on a majority and applied on the leader; reads pass a Raft read barrier first, so they are linearizable.
/// Every request first passes the API token when one is configured (401). A write with a body must then send it as
/// JSON (415), whole, within the body deadline (408) and the size limit (413); only then does it take a slot of the
/// in-flight limit (429), so a slow body holds a connection but never a slot. All of this happens on the node the
/// client called, before anything is forwarded. Each write is counted (<see cref="TimerMetrics.Write"/>) by the node
/// that decided its answer.
/// </summary>
public sealed class TimerEndpoints(TimerService timers, TimerRequestParser parser, TimerMetrics metrics, NodeSettings settings,
    BearerToken? apiToken, InFlightLimit writes, RequestOrigins? origins = null)
{
    /// <summary>The OpenAPI tag of the timer endpoints.</summary>
    private const string Tag = "Timers";

    private static readonly Microsoft.OpenApi.OpenApiSchema TimerIdSchema = ApiDocs.Text(ApiDocument.TimerIdPattern, TimerLimits.MaxIdLength);

    public void Map(IEndpointRouteBuilder app)
    {
        var tokenOn = apiToken is not null;
        app.MapPost("/timer", context => GuardWrite(context, TimerWrite.Create, CreateAsync))
            .Operation("createTimer", Tag, "Create a timer",
                "Answered once the create entry is committed on a majority and applied on the leader. Repeating a create with the same id and "
                + "an identical body is an idempotent retry (201 again); the same id with a different body is a 409.")
            .Header(ApiError.TimerIdHeader, "The timer id to use; without it the server generates a UUID.", TimerIdSchema)
            .Takes<TimerRequestShape>()
            .Responds<TimerCreatedShape>(StatusCodes.Status201Created, "created, or an identical create repeated")
            .ResponseHeader(StatusCodes.Status201Created, "Location", "/timer/{id}")
            .ResponseHeader(StatusCodes.Status201Created, ApiError.TimerIdHeader, "the timer's id; error answers to a create carry it too (and timerId in the body), so a 503 says which id to retry with")
            .Refuses(StatusCodes.Status409Conflict, "a timer with this id exists with a different body")
            .Refuses(StatusCodes.Status507InsufficientStorage, "the cluster holds its limit of pending timers (RaftTimers:MaxPendingTimers) or of their bytes (RaftTimers:MaxPendingBytes), or the leader's data directory is low on space (RaftTimers:Storage:MinFreeBytes)")
            .TimerWriteRefusals(tokenOn);
        app.MapPut("/timer/{id}", context => GuardWrite(context, TimerWrite.Update, ReplaceAsync))
            .Operation("replaceTimer", Tag, "Replace a pending timer",
                "Replaces the data, callback and timeout (counted from now) of a pending timer; its version goes up. With If-Match it "
                + "replaces only that version, so a retried replace cannot replace twice (extension to Skyring).")
            .Path("id", "The timer id.", TimerIdSchema)
            .Header("If-Match", "Replace only if the timer is at this version (its ETag, e.g. \"3\").", ApiDocs.Text())
            .Takes<TimerRequestShape>()
            .Responds<TimerReplacedShape>(StatusCodes.Status200OK, "replaced")
            .ResponseHeader(StatusCodes.Status200OK, "Location", "/timer/{id}")
            .ResponseHeader(StatusCodes.Status200OK, "ETag", "the new version, quoted")
            .Refuses(StatusCodes.Status404NotFound, "no pending timer has this id")
            .Refuses(StatusCodes.Status412PreconditionFailed, "If-Match named another version than the timer's")
            .Refuses(StatusCodes.Status507InsufficientStorage, "the new body would take the pending timers past their byte limit (RaftTimers:MaxPendingBytes), or the leader's data directory is low on space (RaftTimers:Storage:MinFreeBytes)")
            .TimerWriteRefusals(tokenOn);
        app.MapDelete("/timer/{id}", context => GuardWrite(context, TimerWrite.Cancel, CancelAsync))
            .Operation("cancelTimer", Tag, "Cancel a pending timer",
                "A 202 means the cancel was committed before any fire of the timer's version: its callback is never delivered. "
                + "Cancelling a cancelled timer answers 202 again, so a cancel is safe to retry.")
            .Responds(StatusCodes.Status202Accepted, "cancelled, now or by an earlier cancel")
            .Path("id", "The timer id.", TimerIdSchema)
            .Refuses(StatusCodes.Status404NotFound, "the id is unknown (or purged after the retention period), or the timer fired already")
            .TimerWriteRefusals(tokenOn, withBody: false);
        MapHold(app, TimerWrite.Pause, "pause", "pauseTimer", "Pause a pending timer",
            "A paused timer does not fire, however due, until it is resumed; a repeating one pauses between firings. Pausing a paused "
            + "timer answers 200 again, so a pause is safe to retry. Sent as JSON (Content-Type: application/json; the body, if any, is "
            + "ignored), so that a page on another site cannot send one through a visitor's browser (extension to Skyring).",
            "paused, now or by an earlier pause", "no pending or paused timer has this id (unknown, firing, or finished)");
        MapHold(app, TimerWrite.Resume, "resume", "resumeTimer", "Resume a paused timer",
            "It fires at its due time, or at once when that passed while it was paused (a repeating one: as its misfire policy says). "
            + "Resuming a pending timer answers 200 again (extension to Skyring).",
            "pending again, now or by an earlier resume", "no pending or paused timer has this id (unknown, firing, or finished)");
        MapHold(app, TimerWrite.Retry, "retry", "retryTimer", "Deliver a failed timer again",
            "Re-drive: the failed firing is attempted again, with fresh attempts and the same Idempotency-Key, since it is the same firing "
            + "the receiver never acknowledged. Not repeatable: a second one while it is firing is a 404. Sent as JSON, as a pause (extension to Skyring).",
            "firing again", "no failed timer has this id (unknown, purged, or not failed)");
        app.MapGet("/timer/{id}", context => Guard(context, GetAsync))
            .Operation("getTimer", Tag, "Inspect a timer", "Linearizable: the node confirms the latest state with the leader first (extension to Skyring).")
            .Path("id", "The timer id.", TimerIdSchema)
            .Responds<TimerShape>(StatusCodes.Status200OK, "the timer")
            .ResponseHeader(StatusCodes.Status200OK, "ETag", "the timer's version, quoted: the value for If-Match on a replace")
            .Refuses(StatusCodes.Status404NotFound, "unknown, or purged after the retention period")
            .TimerReadRefusals(tokenOn);
        app.MapGet("/timer", context => Guard(context, ListAsync))
            .Operation("listTimers", Tag, "List timers, a page at a time", "Pages through timers in id order (extension to Skyring).")
            .Query("state", "Only timers in this state.", ApiDocs.OneOf("pending", "paused", "firing", "delivered", "failed", "cancelled"))
            .Query("limit", "Timers per page.", ApiDocs.Integer(1, 1000, 100))
            .Query("after", "The last id of the previous page (its next).", TimerIdSchema)
            .Responds<TimerPageShape>(StatusCodes.Status200OK, "one page")
            .TimerReadRefusals(tokenOn);
    }

    /// <summary>POST /timer/{id}/{action}: a pause, resume or re-drive, answered by <see cref="HoldAsync"/>.</summary>
    private void MapHold(IEndpointRouteBuilder app, TimerWrite op, string action, string operationId, string summary, string description,
        string succeeded, string notFound)
    {
        Func<HttpContext, byte[], Task<WriteOutcome>> hold = (context, _) => HoldAsync(context, op);
        app.MapPost($"/timer/{{id}}/{action}", context => GuardWrite(context, op, hold))
            .Operation(operationId, Tag, summary, description)
            .Path("id", "The timer id.", TimerIdSchema)
            .Responds<TimerHeldShape>(StatusCodes.Status200OK, succeeded)
            .Refuses(StatusCodes.Status404NotFound, notFound)
            .TimerWriteRefusals(apiToken is not null);
    }

    /// <summary>Answers 401 and returns false unless the API token is off or the request carries it.</summary>
    private async Task<bool> AuthorizedAsync(HttpContext context)
    {
        if (apiToken is null)
            return true;
        var check = apiToken.Check(context.Request);
        if (check == BearerCheck.Accepted)
            return true;
        await BearerToken.ChallengeAsync(context, check).ConfigureAwait(false);
        return false;
    }

    private async Task Guard(HttpContext context, Func<HttpContext, Task> handler)
    {
        if (await AuthorizedAsync(context).ConfigureAwait(false))
            await ApiError.Guard(context, handler).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a write within the in-flight limit and counts how this node answered it: the handler's outcome when it
    /// answered with success or its write ran on another node (not counted here: that leader counted it), the refusal's
    /// status when it threw, <c>over_limit</c> for a 429. A request refused by the token, or whose client went away before an answer,
    /// is not counted. A create's id is settled and a body is read whole before the slot is taken.
    /// </summary>
    private async Task GuardWrite(HttpContext context, TimerWrite op, Func<HttpContext, byte[], Task<WriteOutcome>> handler)
    {
        if (!await AuthorizedAsync(context).ConfigureAwait(false))
            return;
        byte[] body;
        try
        {
            if (origins?.WhyNotOrigin(context.Request) is { } foreign)
                throw new ApiException(StatusCodes.Status403Forbidden, foreign);
            if (op == TimerWrite.Create)
                NameCreate(context);
            body = op == TimerWrite.Cancel ? [] : await ReadJsonBodyAsync(context).ConfigureAwait(false);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            metrics.Write(op, StatusMap.CountedAs(e.Status));
            await ApiError.WriteAsync(context, e).ConfigureAwait(false);
            return;
        }

        using var slot = writes.TryHold(context.Response);
        if (slot is null)
        {
            metrics.Write(op, WriteOutcome.OverLimit);
            await ApiError.WriteAsync(context, StatusCodes.Status429TooManyRequests, writes.OverLimitReason, retryAfterSeconds: 1).ConfigureAwait(false);
            return;
        }

        WriteOutcome outcome;
        try
        {
            outcome = await handler(context, body).ConfigureAwait(false);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            outcome = e.Forwarded ? WriteOutcome.Forwarded : StatusMap.CountedAs(e.Status);
            await ApiError.WriteAsync(context, e).ConfigureAwait(false);
        }

        metrics.Write(op, outcome);
    }

    /// <summary>
    /// Settles a create's id: the client's, or one made here, where the request enters, so that a forwarded create
    /// carries it and a 503 can name it. Every answer from here on names it, errors included (ApiError).
    /// </summary>
    private static void NameCreate(HttpContext context)
    {
        var id = context.Request.Headers.TryGetValue(ApiError.TimerIdHeader, out var given) ? given.ToString() : TimerIds.NewId();
        if (!TimerLimits.IsValidId(id))
            throw new ApiException(StatusCodes.Status400BadRequest, $"x-timer-id must be {TimerLimits.IdRule}");
        context.Response.Headers[ApiError.TimerIdHeader] = id;
    }

    /// <summary>
    /// The body of a create or replace: declared JSON, so that a browser on another site cannot send one without the
    /// CORS preflight this API never grants (a form or text/plain POST is answered 415), and read whole within the
    /// body deadline and size limit.
    /// </summary>
    private async Task<byte[]> ReadJsonBodyAsync(HttpContext context)
    {
        RequestBody.RequireJson(context.Request);
        return await RequestBody.ReadAsync(context.Request, settings.MaxBodyBytes, TimeSpan.FromMilliseconds(settings.BodyTimeoutMs), context.RequestAborted)
            .ConfigureAwait(false);
    }

    private async Task<WriteOutcome> CreateAsync(HttpContext context, byte[] body)
    {
        var id = context.Response.Headers[ApiError.TimerIdHeader].ToString();
        var spec = parser.Parse(body);

        var (done, forwarded) = Ran(await timers.CreateAsync(id, spec, context.RequestAborted).ConfigureAwait(false));
        var status = StatusMap.Of(TimerWrite.Create, done.Outcome);
        switch (status)
        {
            case StatusCodes.Status201Created:
                context.Response.Headers.Location = $"/timer/{id}";
                await TimerJson.WriteResponseAsync(context, status, json =>
                {
                    json.WriteStartObject();
                    json.WriteString("id", id);
                    json.WriteString("location", $"/timer/{id}");
                    json.WriteString("dueAt", UtcTime.Rfc3339(done.DueAtUnixMs));
                    json.WriteNumber("version", done.Version);
                    json.WriteEndObject();
                }).ConfigureAwait(false);
                return forwarded ? WriteOutcome.Forwarded : StatusMap.CountedAs(done.Outcome);
            case StatusCodes.Status409Conflict when done.Outcome == CommandOutcome.Conflict:
                throw new ApiException(status, $"timer '{id}' exists with a different body") { Forwarded = forwarded };
            default:
                throw Unexpected(status, done, forwarded);
        }
    }

    private async Task<WriteOutcome> ReplaceAsync(HttpContext context, byte[] body)
    {
        var id = RouteId(context);
        var spec = parser.Parse(body);
        var expected = ExpectedVersion(context.Request);
        var (done, forwarded) = Ran(await timers.ReplaceAsync(id, spec, expected, context.RequestAborted).ConfigureAwait(false));
        var status = StatusMap.Of(TimerWrite.Update, done.Outcome);
        switch (status)
        {
            case StatusCodes.Status200OK:
                context.Response.Headers.Location = $"/timer/{id}";
                context.Response.Headers.ETag = ETagOf(done.Version);
                await TimerJson.WriteResponseAsync(context, status, json =>
                {
                    json.WriteStartObject();
                    json.WriteString("id", id);
                    json.WriteString("dueAt", UtcTime.Rfc3339(done.DueAtUnixMs));
                    json.WriteNumber("version", done.Version);
                    json.WriteEndObject();
                }).ConfigureAwait(false);
                return forwarded ? WriteOutcome.Forwarded : StatusMap.CountedAs(done.Outcome);
            case StatusCodes.Status404NotFound:
                throw new ApiException(status, $"no pending timer '{id}'") { Forwarded = forwarded };
            case StatusCodes.Status412PreconditionFailed:
                throw new ApiException(status,
                    $"timer '{id}' is at version {done.Version}, not {expected}: it was replaced since (perhaps by this request's first attempt)")
                    { Forwarded = forwarded };
            default:
                throw Unexpected(status, done, forwarded);
        }
    }

    /// <summary>The version a replace expects: <c>If-Match: "3"</c> (quotes and a weak <c>W/</c> optional); null without the header or with <c>*</c>.</summary>
    private static long? ExpectedVersion(HttpRequest request)
    {
        if (!request.Headers.TryGetValue("If-Match", out var values))
            return null;
        var text = values.ToString().Trim();
        if (text == "*")
            return null;
        if (text.StartsWith("W/", StringComparison.Ordinal))
            text = text[2..];
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
            text = text[1..^1];
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version >= 1
            ? version
            : throw new ApiException(StatusCodes.Status400BadRequest, "If-Match must be one timer version as GET gives it in ETag, e.g. \"3\"");
    }

    private static string ETagOf(long version) => $"\"{version}\"";

    private async Task<WriteOutcome> CancelAsync(HttpContext context, byte[] _)
    {
        var id = RouteId(context);
        var (done, forwarded) = Ran(await timers.CancelAsync(id, context.RequestAborted).ConfigureAwait(false));
        var status = StatusMap.Of(TimerWrite.Cancel, done.Outcome);
        switch (status)
        {
            case StatusCodes.Status202Accepted:
                context.Response.StatusCode = status;
                return forwarded ? WriteOutcome.Forwarded : StatusMap.CountedAs(done.Outcome);
            case StatusCodes.Status404NotFound:
                throw new ApiException(status, $"no pending timer '{id}' (unknown, or fired already)") { Forwarded = forwarded };
            default:
                throw Unexpected(status, done, forwarded);
        }
    }

    /// <summary>A pause, a resume or a re-drive: 200 with the state it left the timer in, its version and due time.</summary>
    private async Task<WriteOutcome> HoldAsync(HttpContext context, TimerWrite op)
    {
        var id = RouteId(context);
        var run = op switch
        {
            TimerWrite.Pause => await timers.PauseAsync(id, context.RequestAborted).ConfigureAwait(false),
            TimerWrite.Resume => await timers.ResumeAsync(id, context.RequestAborted).ConfigureAwait(false),
            _ => await timers.RedriveAsync(id, context.RequestAborted).ConfigureAwait(false),
        };
        var (done, forwarded) = Ran(run);
        var status = StatusMap.Of(op, done.Outcome);
        switch (status)
        {
            case StatusCodes.Status200OK:
                await TimerJson.WriteResponseAsync(context, status, json =>
                {
                    json.WriteStartObject();
                    json.WriteString("id", id);
                    json.WriteString("state", op switch { TimerWrite.Pause => "paused", TimerWrite.Resume => "pending", _ => "firing" });
                    json.WriteString("dueAt", UtcTime.Rfc3339(done.DueAtUnixMs));
                    json.WriteNumber("version", done.Version);
                    json.WriteEndObject();
                }).ConfigureAwait(false);
                return forwarded ? WriteOutcome.Forwarded : StatusMap.CountedAs(done.Outcome);
            case StatusCodes.Status404NotFound:
                throw new ApiException(status, op == TimerWrite.Retry
                    ? $"no failed timer '{id}' (unknown, purged, or not failed)"
                    : $"no pending or paused timer '{id}' (unknown, firing, or finished)") { Forwarded = forwarded };
            default:
                throw Unexpected(status, done, forwarded);
        }
    }

    private async Task GetAsync(HttpContext context)
    {
        var id = RouteId(context);
        var read = await timers.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        var timer = Read(read) ?? throw new ApiException(StatusCodes.Status404NotFound, $"no timer '{id}'");
        context.Response.Headers.ETag = ETagOf(timer.Version);
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json => TimerJson.Write(json, timer)).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        TimerStatus? status = null;
        if (query.TryGetValue("state", out var stateText) && stateText.ToString().Length > 0)
        {
            if (!TimerStatusNames.TryParseApiName(stateText.ToString(), out var parsed))
                throw new ApiException(StatusCodes.Status400BadRequest, "state must be one of pending, paused, firing, delivered, failed, cancelled");
            status = parsed;
        }

        var limit = 100;
        if (query.TryGetValue("limit", out var limitText) && limitText.ToString().Length > 0
            && (!int.TryParse(limitText.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
            throw new ApiException(StatusCodes.Status400BadRequest, "limit must be an integer from 1 to 1000");

        string? after = null;
        if (query.TryGetValue("after", out var afterText) && afterText.ToString().Length > 0)
        {
            after = afterText.ToString();
            if (!TimerLimits.IsWellFormedId(after))
                throw new ApiException(StatusCodes.Status400BadRequest, "after must be a timer id");
        }

        var (page, next) = Read(await timers.ListAsync(after, status, limit, context.RequestAborted).ConfigureAwait(false))!;
        await TimerJson.WriteResponseAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("timers");
            foreach (var timer in page)
                TimerJson.Write(json, timer);
            json.WriteEndArray();
            if (next is null)
                json.WriteNull("next");
            else
                json.WriteString("next", next);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>The result of a write that ran on the leader; a write that did not is answered with the status of why (<see cref="StatusMap"/>).</summary>
    private static (CommandResult Result, bool Forwarded) Ran(in WriteResult write)
        => write.End == WriteEnd.Ran
            ? (write.Result, write.Forwarded)
            : throw new ApiException(StatusMap.Of(write), write.Reason ?? "refused") { Forwarded = write.Forwarded };

    /// <summary>The value read, or a 503 when the latest state could not be confirmed.</summary>
    private static T? Read<T>(in ReadResult<T> read)
        => read.Ok ? read.Value : throw new ApiException(StatusCodes.Status503ServiceUnavailable, read.Unavailable!);

    private static string RouteId(HttpContext context)
    {
        var id = context.Request.RouteValues["id"] as string ?? "";
        if (!TimerLimits.IsValidId(id))
            throw new ApiException(StatusCodes.Status400BadRequest, $"timer id must be {TimerLimits.IdRule}");
        return id;
    }

    private static ApiException Unexpected(int status, CommandResult result, bool forwarded)
        => new(status, result.Reason ?? $"the command was not applied ({result.Outcome})") { Forwarded = forwarded };
}
