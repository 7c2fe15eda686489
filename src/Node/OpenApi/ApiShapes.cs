using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using RaftTimers.Core.Model;

namespace RaftTimers.Node.OpenApi;

// The JSON shapes of docs/api.md as types, for the OpenAPI document only: the endpoints parse and write JSON by hand
// (TimerRequestParser, TimerJson, ApiError), so nothing else would tell the document what they read and write.
// ApiDocument names each schema after its type without the "Shape" suffix. OpenApiTests compares these property
// names with the JSON a real node answers, so a field added to a writer and not here fails a test. Numbers are
// strict: the parser refuses a number in a string, whatever the web defaults of System.Text.Json allow.

/// <summary>The body of <c>POST /timer</c> and <c>PUT /timer/{id}</c>.</summary>
[Description("A timer to create or the replacement of a pending one: exactly one of timeout and dueAt says when it is due. Unknown fields are ignored.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record TimerRequestShape
{
    [Description("Delay in milliseconds, counted from the moment the leader applies the write (Skyring's field). Give this or dueAt.")]
    [Range(1, TimerLimits.MaxTimeoutMs)]
    public long? Timeout { get; init; }

    [Description("Absolute due time: an RFC 3339 date-time with an offset, or Unix milliseconds; 2000-01-01 to 9999-12-31. One already past fires at once. Give this or timeout.")]
    public DueTimeShape? DueAt { get; init; }

    [Description("Delivered as the callback body: a string as text/plain, an object as application/json; absent or null means an empty body.")]
    public TimerDataShape? Data { get; init; }

    public required CallbackShape Callback { get; init; }

    [Description("Makes a repeating timer (extension): give this instead of timeout and dueAt.")]
    public ScheduleShape? Schedule { get; init; }

    [Description("Where a notice goes if the timer ends failed (extension; docs/api.md, Dead letters).")]
    public DeadLetterShape? DeadLetter { get; init; }
}

[Description("A dead-letter target: when the timer ends failed, a JSON notice (type timer.failed: the firing's id, version, idempotencyKey, callback, attempts, lastError, failedAt and data) goes here, "
    + "with attempts and backoff like a callback's and an Idempotency-Key of {firing key}:dead-letter:{run}. Checked like callback; the timer's callback.headers are not sent.")]
public sealed record DeadLetterShape
{
    [Description("Transport of the notice; http when absent.")]
    [MinLength(1)]
    public string? Transport { get; init; }

    [Description("post (the default), put or patch.")]
    [MinLength(1)]
    public string? Method { get; init; }

    [Description("Absolute URI of the transport's shape, held to the node's callback policy as a callback's is.")]
    [Url]
    [MaxLength(TimerLimits.MaxUriLength)]
    public required string Uri { get; init; }
}

[Description("A timer's dead-letter target, and where its notice stands.")]
public sealed record DeadLetterStateShape
{
    public required string Transport { get; init; }

    public required string Method { get; init; }

    public required string Uri { get; init; }

    [Description("none until the timer ends failed; then pending while the notice is sent, and delivered or failed (its attempts ran out). A re-drive sets it back to none.")]
    public required string State { get; init; }

    [Description("Attempts of the notice so far.")]
    public required int Attempts { get; init; }

    [Description("Why the notice's last attempt failed, or null.")]
    public required string? LastError { get; init; }
}

[Description("When a repeating timer fires (docs/api.md, Schedules). Each firing's Idempotency-Key is {id}:{version}:{n}.")]
public sealed record ScheduleShape
{
    [Description("A cron expression: five fields (minute hour day month weekday), or six with seconds first. Give this or every.")]
    [MaxLength(TimerSchedule.MaxCronLength)]
    public string? Cron { get; init; }

    [Description("The IANA time zone cron is read in, such as Europe/Berlin; UTC when absent. A time a daylight-saving change skips fires when the skipped hour ends; one it repeats fires once.")]
    [MaxLength(TimerSchedule.MaxZoneLength)]
    public string? TimeZone { get; init; }

    [Description("An interval: whole milliseconds, or a duration such as 90s, 15m, 2h or 1d; at least a second. Counted from the create. Give this or cron.")]
    public DurationShape? Every { get; init; }

    [Description("No occurrence after this time: an RFC 3339 date-time or Unix milliseconds.")]
    public DueTimeShape? EndAt { get; init; }

    [Description("Fire at most this many times.")]
    [Range(1, int.MaxValue)]
    public int? Count { get; init; }

    [Description("What occurrences missed while the cluster could not fire do: fireOnce (the default: one firing for them all), fireAll (each fires, one after the other) or skip (none fires). An occurrence is missed when it could not fire within a minute.")]
    public string? Misfire { get; init; }
}

/// <summary>Stands for <c>dueAt</c>, an RFC 3339 string or an integer of Unix ms; ApiDocument gives it that schema.</summary>
public sealed class DueTimeShape;

/// <summary>Stands for <c>schedule.every</c>, a duration string or an integer of ms; ApiDocument gives it that schema.</summary>
public sealed class DurationShape;

/// <summary>Stands for <c>data</c>, which is a string, an object or null; ApiDocument gives it that schema.</summary>
[Description("A string (sent as text/plain; charset=utf-8) or a JSON object (sent as application/json). Anything else is a 400.")]
public sealed class TimerDataShape;

[Description("Where and how the timer's callback is sent.")]
public sealed record CallbackShape
{
    [Description("Callback transport: \"http\" and \"tcp\" are built in, more are plug-ins the node loads (docs/transports.md). A transport the node does not have is a 400 naming the ones it has.")]
    [MinLength(1)]
    public required string Transport { get; init; }

    [Description("HTTP method of the callback, any case: post, put, patch, delete, get, options or head. A timer read back shows it in lower case.")]
    [MinLength(1)]
    public required string Method { get; init; }

    [Description("Absolute URI of the transport's shape: http or https for http, tcp://host:port for tcp. A target the node's callback policy denies is a 400 whose reason names the rule.")]
    [Url]
    [MaxLength(TimerLimits.MaxUriLength)]
    public required string Uri { get; init; }

    [Description("Headers the callback carries besides the node's own: at most 20, 4096 bytes of names and values in all, "
        + "values of printable ASCII. Refused (400): names the node sets or that belong to the connection (Host, Content-Type, "
        + "Content-Length, Connection, Transfer-Encoding, User-Agent, X-Timer-Id, X-Timer-Attempt, Idempotency-Key, webhook-*, "
        + "traceparent and others), a name given twice, and Authorization, Proxy-Authorization and Cookie unless the node "
        + "allows credential headers. Shown only when set.")]
    public Dictionary<string, string>? Headers { get; init; }
}

[Description("A timer as GET /timer/{id} and the list show it.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record TimerShape
{
    [RegularExpression(ApiDocument.TimerIdPattern)]
    public required string Id { get; init; }

    public required TimerStateShape State { get; init; }

    [Description("When the leader applied the create or the last replace (RFC 3339, UTC).")]
    public required DateTimeOffset CreatedAt { get; init; }

    [Description("createdAt + timeout, or the dueAt given: the timer never fires before this (RFC 3339, UTC).")]
    public required DateTimeOffset DueAt { get; init; }

    [Description("Delay in milliseconds as given; null for a timer given a dueAt.")]
    public required long? Timeout { get; init; }

    public required TimerDataShape? Data { get; init; }

    public required CallbackShape Callback { get; init; }

    [Description("Starts at 1 and goes up with every replace; the callback's Idempotency-Key is {id}:{version}:{firedAtIndex}.")]
    public required long Version { get; init; }

    [Description("Callback attempts made for the current firing.")]
    public required int Attempts { get; init; }

    [Description("Raft log index of the entry that decided to fire this version; 0 before it fired.")]
    public required long FiredAtIndex { get; init; }

    [Description("Fire decisions applied for this timer.")]
    public required long FireCount { get; init; }

    [Description("The last delivery error, or null.")]
    public required string? LastError { get; init; }

    [Description("A repeating timer's schedule; absent for a timer that fires once.")]
    public ScheduleShape? Schedule { get; init; }

    [Description("A repeating timer's current (or next) firing, from 1, the n of its Idempotency-Key; absent for a timer that fires once.")]
    public int? Occurrence { get; init; }

    [Description("The dead-letter target and where its notice stands; absent for a timer without one.")]
    public DeadLetterStateShape? DeadLetter { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<TimerStateShape>))]
[Description("pending: waiting for its due time; firing: fired, delivery under way; delivered, failed, cancelled: finished (kept for the retention period).")]
public enum TimerStateShape
{
    [JsonStringEnumMemberName("pending")]
    Pending,
    [JsonStringEnumMemberName("firing")]
    Firing,
    [JsonStringEnumMemberName("delivered")]
    Delivered,
    [JsonStringEnumMemberName("failed")]
    Failed,
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
    [JsonStringEnumMemberName("paused")]
    Paused,
}

[Description("One page of timers in id order.")]
public sealed record TimerPageShape
{
    public required IReadOnlyList<TimerShape> Timers { get; init; }

    [Description("Pass as `after` to get the next page; null on the last page.")]
    public required string? Next { get; init; }
}

[Description("The answer to a create: where the timer lives and when it is due.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record TimerCreatedShape
{
    public required string Id { get; init; }

    [Description("/timer/{id}, also in the Location header.")]
    public required string Location { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public required long Version { get; init; }
}

[Description("The answer to a replace: the new due time and version.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record TimerReplacedShape
{
    public required string Id { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public required long Version { get; init; }
}

[Description("The answer to a pause, a resume or a re-drive: the state it left the timer in.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record TimerHeldShape
{
    public required string Id { get; init; }

    [Description("paused after a pause, pending after a resume, firing after a re-drive.")]
    public required TimerStateShape State { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public required long Version { get; init; }
}

[Description("RFC 7807 problem details; the same reason is in the x-skyring-reason header.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record ProblemShape
{
    [Description("Always about:blank.")]
    public required string Type { get; init; }

    [Description("The status code's reason phrase.")]
    public required string Title { get; init; }

    public required int Status { get; init; }

    [Description("Why the request was refused.")]
    public required string Detail { get; init; }
}

[Description("This node's view of the cluster.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record ClusterStateShape
{
    public required string NodeId { get; init; }

    [Description("This node's Raft address (host:port), its identity in the cluster.")]
    public required string Raft { get; init; }

    [Description("member, joining (started with --join, waiting to be added) or removed.")]
    public required string Membership { get; init; }

    [Description("leader, follower, candidate (no leader known), or none when not a member.")]
    public required string Role { get; init; }

    public required long Term { get; init; }

    [Description("The highest log level every member was last found to read: what the cluster may write during a rolling upgrade (docs/design.md).")]
    public required int LogLevel { get; init; }

    [Description("The leader this node knows of, or null.")]
    public required LeaderRefShape? Leader { get; init; }

    public required long CommitIndex { get; init; }

    public required long AppliedIndex { get; init; }

    [Description("Pending timers in this node's state.")]
    public required long PendingTimers { get; init; }

    [Description("What the members' clocks say of this node's (docs/clocks.md).")]
    public required ClockShape Clock { get; init; }

    public required IReadOnlyList<MemberShape> Members { get; init; }
}

public sealed record ClockShape
{
    [Description("The most a member's clock may differ from the others' and still count as agreeing.")]
    public required long MaxSkewMs { get; init; }

    [Description("agrees (a majority of members confirm this node's clock), unknown (too few fresh samples, or the clock just stepped) or outlier (a majority agrees among itself, not with this node: it neither leads nor fires).")]
    public required string Verdict { get; init; }

    [Description("Whether this node would fire timers if it led: its clock was confirmed since it started and since its last step.")]
    public required bool MayFire { get; init; }

    [Description("Steps of this node's wall clock seen since it started.")]
    public required long Steps { get; init; }

    [Description("How far the time this node acts on is from its wall clock while a step waits for confirmation; 0 otherwise.")]
    public required long CorrectionMs { get; init; }

    [Description("Applied entries stamped further ahead of this node's clock than the skew allows: the leader's clock was ahead.")]
    public required long StampsAhead { get; init; }
}

[Description("A node's wall clock, for the other members' samples.")]
public sealed record ClusterTimeShape
{
    public required string NodeId { get; init; }

    [Description("The node's wall clock, Unix milliseconds.")]
    public required long UnixMs { get; init; }
}

public sealed record LeaderRefShape
{
    public required string Raft { get; init; }

    [Description("The leader's HTTP API URL, or null while unknown.")]
    public required string? Api { get; init; }
}

public sealed record MemberShape
{
    [Description("Node id, or the Raft address while the member's id is unknown.")]
    public required string Id { get; init; }

    public required string Raft { get; init; }

    [Description("HTTP API URL, or null while unknown.")]
    public required string? Api { get; init; }

    [Description("self for this node, else what this node knows of the member: available, unavailable or unknown.")]
    public required string Status { get; init; }

    public required bool IsLeader { get; init; }

    [Description("The member's clock minus this node's by the latest fresh sample; 0 for this node, null while none is fresh.")]
    public required long? ClockOffsetMs { get; init; }

    [Description("The round trip of that sample: the offset is right within half of it either way. Null with the offset.")]
    public required long? ClockRoundTripMs { get; init; }
}

[Description("Empty, or {}. Naming the next leader (\"to\") is refused: DotNext has no targeted transfer.")]
public sealed record TransferRequestShape;

[Description("A node to add; it must run in join mode (--join true) with an empty data directory.")]
public sealed record AddMemberShape
{
    [Description("The new node's Raft address as IP:port or name:port, spelled as the node was started with.")]
    public required string Raft { get; init; }

    [Description("The new node's HTTP API as an absolute http(s) URL; the leader asks it who it is before sending it the log.")]
    [Url]
    public required string Api { get; init; }
}

[Description("The result of a membership change.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record MemberChangeShape
{
    public required string Raft { get; init; }

    [Description("The member's node id, or null when not known.")]
    public required string? Id { get; init; }

    [Description("Whether the address is in the committed configuration now.")]
    public required bool Member { get; init; }

    [Description("false when there was nothing to do (a retry of a change that went through).")]
    public required bool Changed { get; init; }

    [Description("Removals only: whether the removed node was told, so that it stops serving.")]
    public bool? Notified { get; init; }

    [Description("Members in the configuration now.")]
    public required int Members { get; init; }
}

[Description("The member that leads after the transfer.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record LeaderTransferShape
{
    public required LeaderShape Leader { get; init; }

    public required long Term { get; init; }

    [Description("Elections it took until another member won.")]
    public required int Elections { get; init; }
}

public sealed record LeaderShape
{
    public required string Id { get; init; }

    public required string Raft { get; init; }

    public required string? Api { get; init; }
}

[Description("A batch: timers to create and ids to cancel, decided in one log entry (creates first, in their order, then cancels).")]
public sealed record BatchRequestShape
{
    [Description("Timers to create, each the body of a create plus its id (optional: without it the node makes one and names it in the result).")]
    public List<BatchCreateShape>? Create { get; init; }

    [Description("Ids of pending timers to cancel.")]
    public List<string>? Cancel { get; init; }
}

[Description("One timer of a batch: a create's body and its id.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record BatchCreateShape
{
    [RegularExpression(ApiDocument.TimerIdPattern)]
    [MaxLength(TimerLimits.MaxIdLength)]
    public string? Id { get; init; }

    [Range(1, TimerLimits.MaxTimeoutMs)]
    public long? Timeout { get; init; }

    public DueTimeShape? DueAt { get; init; }

    public TimerDataShape? Data { get; init; }

    public required CallbackShape Callback { get; init; }
}

[Description("Every item's result, creates first, then cancels, each in the order given.")]
public sealed record BatchAnswerShape
{
    public required List<BatchResultShape> Results { get; init; }
}

[Description("One item's result: the status its single write would have had, with the created timer's version and due time, or a reason.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record BatchResultShape
{
    [Description("create or cancel")]
    public required string Op { get; init; }

    public required string Id { get; init; }

    [Description("201 created (or an identical create repeated), 202 cancelled, 400 bad item, 404 no such pending timer, 409 an existing timer with another body, 413 an item larger than a single create may be, 501 not readable by every member yet, 503 outcome unknown, 507 at the pending limits.")]
    public required int Status { get; init; }

    public string? Location { get; init; }

    public DateTimeOffset? DueAt { get; init; }

    public long? Version { get; init; }

    public string? Reason { get; init; }
}

[Description("One lifecycle event of GET /events, the data of one Server-Sent Event.")]
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record EventShape
{
    [Description("{index}:{position}: the event's place in the Raft log, also its SSE id; resume after it with Last-Event-ID.")]
    public required string Id { get; init; }

    [Description("The Raft log index of the entry that made the change.")]
    public required long Index { get; init; }

    [Description("created, updated, cancelled, fired, retrying (an attempt failed, another follows), delivered, failed, purged, skipped (a repeating timer's missed occurrence, not fired), paused, resumed, redriven (a failed timer delivered again), deadLettered (a failed timer's dead-letter notice was delivered) or deadLetterFailed (its attempts ran out).")]
    public required string Kind { get; init; }

    [RegularExpression(ApiDocument.TimerIdPattern)]
    public required string TimerId { get; init; }

    [Description("The timer's version the event is about.")]
    public required long Version { get; init; }

    [Description("When the leader stamped the entry (RFC 3339, UTC).")]
    public required DateTimeOffset At { get; init; }

    [Description("When the timer is due: for created, updated and fired.")]
    public DateTimeOffset? DueAt { get; init; }

    [Description("The delivery attempt: for retrying, delivered and failed.")]
    public int? Attempt { get; init; }

    [Description("Why the attempt failed: for retrying and failed.")]
    public string? Error { get; init; }
}
