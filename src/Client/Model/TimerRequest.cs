using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RaftTimers.Client;

/// <summary>
/// What a create or a replace sends (docs/api.md, POST /timer): when it is due (a delay, or an absolute time), the
/// callback, and the data delivered as the callback's body (a JSON string is sent as text/plain, an object as
/// application/json; none sends an empty body).
/// </summary>
public sealed record TimerRequest
{
    /// <summary>The API's largest <c>timeout</c>, Skyring's: 2^31 - 1 ms, about 24.8 days.</summary>
    public const long MaxTimeoutMs = int.MaxValue;

    /// <param name="timeoutMs">Delay in ms, 1 to <see cref="MaxTimeoutMs"/>, counted from when the leader applies the write.</param>
    /// <param name="callback">Where and how the timer calls back.</param>
    /// <param name="data">The callback's body: a string (<c>JsonValue.Create("text")</c>, or a string converted implicitly) or an object.</param>
    public TimerRequest(long timeoutMs, CallbackTarget callback, JsonNode? data = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMs, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeoutMs, MaxTimeoutMs);
        ArgumentNullException.ThrowIfNull(callback);
        TimeoutMs = timeoutMs;
        Callback = callback;
        Data = data;
    }

    /// <param name="dueAt">When the timer is due, 2000-01-01 to 9999-12-31, to the millisecond (a time already past fires at once).</param>
    /// <param name="callback">Where and how the timer calls back.</param>
    /// <param name="data">The callback's body, as for a delay.</param>
    public TimerRequest(DateTimeOffset dueAt, CallbackTarget callback, JsonNode? data = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dueAt, MinDueAt);
        ArgumentNullException.ThrowIfNull(callback);
        DueAt = dueAt;
        Callback = callback;
        Data = data;
    }

    /// <param name="schedule">When the timer fires, again and again (docs/api.md, "Schedules").</param>
    /// <param name="callback">Where and how the timer calls back.</param>
    /// <param name="data">The callback's body, the same for every firing.</param>
    public TimerRequest(Schedule schedule, CallbackTarget callback, JsonNode? data = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(callback);
        if ((schedule.Cron is null) == (schedule.Every is null))
            throw new ArgumentException("a schedule has a cron expression or an interval, one of them", nameof(schedule));
        Schedule = schedule;
        Callback = callback;
        Data = data;
    }

    /// <summary>The API's earliest <c>dueAt</c>: an earlier one is more likely seconds taken for milliseconds.</summary>
    public static readonly DateTimeOffset MinDueAt = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The delay in ms; null for a request with <see cref="DueAt"/>.</summary>
    public long? TimeoutMs { get; }

    /// <summary>The absolute due time; null for a request with <see cref="TimeoutMs"/> or a <see cref="Schedule"/>.</summary>
    public DateTimeOffset? DueAt { get; }

    /// <summary>A repeating timer's schedule; null for one that fires once.</summary>
    public Schedule? Schedule { get; }

    public CallbackTarget Callback { get; }

    public JsonNode? Data { get; }

    /// <summary>
    /// Where a notice goes if the timer ends failed (docs/api.md, "Dead letters"): method post, put or patch; its headers
    /// are not sent. Null for none.
    /// </summary>
    public CallbackTarget? DeadLetter { get; init; }

    /// <summary>A timer that calls <paramref name="callbackUri"/> over HTTP with <paramref name="method"/> after <paramref name="delay"/> (rounded up to whole ms).</summary>
    public static TimerRequest After(TimeSpan delay, string callbackUri, JsonNode? data = null, string method = "post")
        => new((long)Math.Ceiling(delay.TotalMilliseconds), new CallbackTarget(callbackUri, method), data);

    /// <summary>A timer that calls <paramref name="callbackUri"/> over HTTP with <paramref name="method"/> at <paramref name="dueAt"/>.</summary>
    public static TimerRequest At(DateTimeOffset dueAt, string callbackUri, JsonNode? data = null, string method = "post")
        => new(dueAt, new CallbackTarget(callbackUri, method), data);
}

/// <summary>
/// Where and how a timer calls back: an absolute URI (http(s) for the <c>http</c> transport, <c>tcp://host:port</c> for
/// <c>tcp</c>), the HTTP method (post, put, patch, delete, get, options, head; only <c>http</c> uses it), the transport
/// (<c>http</c> and <c>tcp</c> are built in, a node may have plug-ins: docs/transports.md), and headers of the timer's own (docs/api.md, <c>callback.headers</c>).
/// </summary>
public sealed record CallbackTarget
{
    public CallbackTarget(string uri, string method = "post", string transport = "http")
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(transport);
        Uri = uri;
        Method = method;
        Transport = transport;
    }

    public string Uri { get; }

    public string Method { get; }

    public string Transport { get; }

    /// <summary>
    /// Headers the callback carries besides the node's own: at most 20, 4096 bytes of printable ASCII in all, none the
    /// node sets or that belongs to the connection; credential headers only where the node allows them. Null for none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
