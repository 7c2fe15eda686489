using System.Text.Json.Serialization;

namespace RaftTimers.Client;

/// <summary>
/// When a repeating timer fires (docs/api.md, "Schedules"): a cron expression read in an IANA time zone, or a fixed
/// interval; optionally only until <see cref="EndAt"/> and at most <see cref="Count"/> times, and what to do with
/// occurrences missed while the cluster could not fire (<see cref="Misfire"/>). Each firing's <c>Idempotency-Key</c> is
/// <c>{id}:{version}:{n}</c>, n counting the firings from 1.
/// </summary>
public sealed record Schedule
{
    /// <summary>Five fields (minute hour day month weekday), or six with seconds first; null for an interval.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Cron { get; init; }

    /// <summary>The IANA zone the expression is read in (Europe/Berlin); UTC when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TimeZone { get; init; }

    /// <summary>The interval in milliseconds, at least 1000; null for a cron schedule.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Every { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? EndAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Count { get; init; }

    /// <summary><c>fireOnce</c> (the default), <c>fireAll</c> or <c>skip</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Misfire { get; init; }

    /// <summary>Fires at each time <paramref name="cron"/> matches in <paramref name="timeZone"/> (UTC when null).</summary>
    public static Schedule OfCron(string cron, string? timeZone = null) => new() { Cron = cron, TimeZone = timeZone };

    /// <summary>Fires every <paramref name="interval"/> (whole milliseconds, at least a second), counted from the create.</summary>
    public static Schedule OfEvery(TimeSpan interval) => new() { Every = (long)interval.TotalMilliseconds };

    /// <summary>Fields this client does not know yet.</summary>
    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Other { get; init; }
}
