using RaftTimers.Core.Model;
using System.Text;
using System.Text.Json;
using RaftTimers.Cluster.Events;
using RaftTimers.Core.Apply;
using RaftTimers.Node.Answers;
using RaftTimers.Node.OpenApi;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Http;

/// <summary>
/// <c>GET /events</c> (docs/api.md, "Events"): the timers' lifecycle as Server-Sent Events, read from the entries this
/// node applied (<see cref="EventJournal"/>), so the stream is in log order, without gaps, and the same on every node.
/// Each event's id is its place in the log, <c>{index}:{position}</c>; a reader resumes after it with
/// <c>Last-Event-ID</c> (or <c>?lastEventId=</c>) on any node, and one too far behind gets 410 with where to start
/// again. Without a place it starts at the live end. Filters: <c>prefix</c> of the timer id, <c>kind</c> (comma-separated).
/// Needs the API token when one is set, as reading timers does.
/// </summary>
public sealed class EventEndpoints(EventJournal journal, BearerToken? apiToken, IHostApplicationLifetime lifetime, TimeSpan? heartbeat = null)
{
    private const int BatchSize = 256;
    private const int ScanBudget = 10_000;

    private readonly TimeSpan heartbeatEvery = heartbeat ?? TimeSpan.FromSeconds(15);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/events", context => ApiError.Guard(context, StreamAsync))
            .Operation("streamEvents", "Events", "Stream the timers' lifecycle events",
                "Server-Sent Events in log order: created, updated, cancelled, fired, retrying, delivered, failed, purged, skipped, paused, resumed, redriven, deadLettered, deadLetterFailed. Each event's id is "
                + "{index}:{position}, its place in the Raft log; resume after it on any node with Last-Event-ID. Without one the stream starts "
                + "with the next event applied.")
            .Query("prefix", "Only timers whose id starts with this.", ApiDocs.Text(ApiDocument.TimerIdPattern, Core.Model.TimerLimits.MaxIdLength))
            .Query("kind", "Only these kinds, comma-separated.", ApiDocs.Text())
            .Query("lastEventId", "Resume after this event id ({index}:{position}, or {index} for after that whole entry); the Last-Event-ID header wins.", ApiDocs.Text())
            .Header("Last-Event-ID", "Resume after this event id, as an EventSource sends it when it reconnects.", ApiDocs.Text())
            .Responds<EventShape>(StatusCodes.Status200OK, "the stream (text/event-stream): each event's data is one JSON object of this shape", "text/event-stream")
            .Refuses(StatusCodes.Status400BadRequest, "a bad prefix, kind or event id")
            .Refuses(StatusCodes.Status410Gone, "the events after that id are no longer kept on this node; the reason names the lastEventId to start again from (then list the timers to catch up)")
            .NeedsApiToken(apiToken is not null);
    }

    private async Task StreamAsync(HttpContext context)
    {
        if (apiToken is not null && apiToken.Check(context.Request) is var check and not BearerCheck.Accepted)
        {
            await BearerToken.ChallengeAsync(context, check).ConfigureAwait(false);
            return;
        }

        var query = context.Request.Query;
        var prefix = query["prefix"].ToString();
        if (prefix.Length > 0 && !Core.Model.TimerLimits.IsWellFormedId(prefix))
            throw new ApiException(StatusCodes.Status400BadRequest, $"prefix must be at most {Core.Model.TimerLimits.MaxIdLength} characters of [A-Za-z0-9._~-], got '{ApiError.Quote(prefix)}'");
        var kinds = ParseKinds(query["kind"].ToString());

        var resumeText = context.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : query["lastEventId"].ToString();
        EventCursor cursor;
        if (resumeText.Length == 0)
            cursor = EventCursor.AfterEntry(journal.LastIndex);
        else if (!EventCursor.TryParse(resumeText, out cursor))
            throw new ApiException(StatusCodes.Status400BadRequest, $"an event id is {{index}}:{{position}} or {{index}}, got '{ApiError.Quote(resumeText)}'");

        bool Wanted(LifecycleEvent e) => (kinds is null || kinds[(int)e.Kind]) && e.TimerId.StartsWith(prefix, StringComparison.Ordinal);

        // The first read decides between the stream and a 410, before any byte of the stream is sent.
        var first = journal.Read(cursor, Wanted, BatchSize, ScanBudget, out var next);
        if (first is null)
        {
            var floor = journal.Floor;
            context.Response.Headers["x-resume-from"] = floor.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new ApiException(StatusCodes.Status410Gone,
                $"the events after {cursor} are no longer kept on this node; the oldest it can resume from is lastEventId={floor} (list the timers to catch up on what came before)");
        }

        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var token = stop.Token;
        try
        {
            // The place the stream starts, as an id without data: a reader that reconnects before any event goes on from here.
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"retry: 2000\nid: {cursor}\n\n"), token).ConfigureAwait(false);
            await response.Body.FlushAsync(token).ConfigureAwait(false);
            var batch = first;
            while (true)
            {
                if (batch is null)
                {
                    // Fell behind while streaming: say so in the stream, and end it; the reconnect gets the 410.
                    await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: gone\ndata: {{\"resumeFrom\":\"{journal.Floor}\"}}\n\n"), token).ConfigureAwait(false);
                    await response.Body.FlushAsync(token).ConfigureAwait(false);
                    return;
                }

                if (batch.Count > 0)
                {
                    await response.Body.WriteAsync(Frame(batch), token).ConfigureAwait(false);
                    await response.Body.FlushAsync(token).ConfigureAwait(false);
                }

                cursor = next;
                using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    var more = journal.WaitAsync(cursor, quiet.Token);
                    var heartbeatDue = Task.Delay(heartbeatEvery, quiet.Token);
                    var woken = await Task.WhenAny(more, heartbeatDue).ConfigureAwait(false);
                    await quiet.CancelAsync().ConfigureAwait(false); // the other wait ends here, not heartbeatEvery later
                    token.ThrowIfCancellationRequested();
                    if (woken != more)
                    {
                        // A comment for proxies and readers watching for a dead connection, and the place the stream has
                        // looked up to: a filtered reader that rarely gets an event resumes from there, not from its last event.
                        await response.Body.WriteAsync(Encoding.UTF8.GetBytes($": keep-alive\nid: {cursor}\n\n"), token).ConfigureAwait(false);
                        await response.Body.FlushAsync(token).ConfigureAwait(false);
                    }
                }

                batch = journal.Read(cursor, Wanted, BatchSize, ScanBudget, out next);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client left, or the node is stopping: the stream just ends.
        }
    }

    /// <summary>Null for every kind; otherwise which kinds, by <see cref="LifecycleKind"/>.</summary>
    private static bool[]? ParseKinds(string text)
    {
        if (text.Length == 0)
            return null;
        var wanted = new bool[LifecycleEvents.AllNames.Count];
        foreach (var name in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!LifecycleEvents.TryParse(name, out var kind))
                throw new ApiException(StatusCodes.Status400BadRequest, $"unknown event kind '{ApiError.Quote(name)}'; kinds are {string.Join(", ", LifecycleEvents.AllNames)}");
            wanted[(int)kind] = true;
        }

        return wanted;
    }

    /// <summary>The events as SSE frames: <c>id</c>, <c>event</c> (the kind) and one line of JSON <c>data</c>.</summary>
    internal static byte[] Frame(IReadOnlyList<LifecycleEvent> events)
    {
        using var buffer = new MemoryStream();
        foreach (var e in events)
        {
            var id = new EventCursor(e.Index, e.Position).ToString();
            buffer.Write(Encoding.UTF8.GetBytes($"id: {id}\nevent: {LifecycleEvents.Name(e.Kind)}\ndata: "));
            using (var json = new Utf8JsonWriter(buffer))
                Write(json, e, id);
            buffer.Write("\n\n"u8);
        }

        return buffer.ToArray();
    }

    /// <summary>One event as JSON (docs/api.md, "Events"); the fields a kind does not have are left out.</summary>
    internal static void Write(Utf8JsonWriter json, LifecycleEvent e, string id)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        json.WriteNumber("index", e.Index);
        json.WriteString("kind", LifecycleEvents.Name(e.Kind));
        json.WriteString("timerId", e.TimerId);
        json.WriteNumber("version", e.Version);
        json.WriteString("at", UtcTime.Rfc3339(e.StampUnixMs));
        if (e.Kind is LifecycleKind.Created or LifecycleKind.Updated or LifecycleKind.Fired or LifecycleKind.Skipped or LifecycleKind.Resumed)
            json.WriteString("dueAt", UtcTime.Rfc3339(e.DueAtUnixMs));
        if (e.Kind is LifecycleKind.Retrying or LifecycleKind.Delivered or LifecycleKind.Failed or LifecycleKind.DeadLettered or LifecycleKind.DeadLetterFailed)
            json.WriteNumber("attempt", e.Attempt);
        if (e.Error is not null)
            json.WriteString("error", e.Error);
        json.WriteEndObject();
    }
}
