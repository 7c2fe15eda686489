using Cronos;
using NodaTime;

namespace RaftTimers.Core.Model;

/// <summary>What a repeating timer does with occurrences it missed (docs/api.md, "Schedules").</summary>
/// <remarks>The numeric values are part of the log and snapshot formats; never renumber them.</remarks>
public enum MisfirePolicy : byte
{
    /// <summary>Missed occurrences are fired once, together, as soon as the timer can fire; then the schedule goes on.</summary>
    FireOnce = 0,

    /// <summary>Every missed occurrence is fired, one after the other, until the schedule has caught up.</summary>
    FireAll = 1,

    /// <summary>Missed occurrences are dropped; the schedule goes on with the next one still ahead.</summary>
    Skip = 2,
}

/// <summary>
/// When a repeating timer fires: a cron expression read in an IANA time zone, or a fixed interval; optionally only up
/// to <see cref="EndAtUnixMs"/> and at most <see cref="Count"/> times. Pure: every occurrence is computed from times
/// given as arguments, with Cronos for the expression and NodaTime's embedded time zone database for the zone, so
/// every node of one build computes the same occurrences whatever its clock and its operating system's zone files.
/// </summary>
public sealed record TimerSchedule
{
    /// <summary>An occurrence whose fire entry is stamped more than this after it is missed (Quartz's misfire threshold).</summary>
    public const long MisfireGraceMs = 60_000;

    public const long MinEveryMs = 1_000;
    public const int MaxCronLength = 256;
    public const int MaxZoneLength = 64;

    private readonly CronExpression? expression;
    private readonly DateTimeZone? zone;

    private TimerSchedule(string? cron, CronExpression? expression, string? timeZone, DateTimeZone? zone, long everyMs)
    {
        Cron = cron;
        this.expression = expression;
        TimeZone = timeZone;
        this.zone = zone;
        EveryMs = everyMs;
    }

    /// <summary>The cron expression as given: five fields, or six with seconds first; null for an interval.</summary>
    public string? Cron { get; }

    /// <summary>The IANA zone the expression is read in; null for UTC (and for an interval).</summary>
    public string? TimeZone { get; }

    /// <summary>The interval between occurrences; 0 for a cron schedule.</summary>
    public long EveryMs { get; }

    /// <summary>No occurrence after this time (Unix ms); null for no end.</summary>
    public long? EndAtUnixMs { get; init; }

    /// <summary>At most this many firings; null for no limit.</summary>
    public int? Count { get; init; }

    public MisfirePolicy Misfire { get; init; }

    /// <summary>The version of the zone database occurrences are computed with, for the node's start-up line and docs.</summary>
    public static string ZoneDatabaseVersion => DateTimeZoneProviders.Tzdb.VersionId;

    /// <summary>A cron schedule, or null with <paramref name="error"/> saying what is wrong with the expression or zone.</summary>
    public static TimerSchedule? TryCron(string cron, string? timeZone, out string? error)
    {
        error = null;
        if (cron.Length is 0 or > MaxCronLength)
        {
            error = $"schedule.cron must be 1 to {MaxCronLength} characters";
            return null;
        }

        CronExpression expression;
        try
        {
            var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            expression = CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            error = $"schedule.cron '{cron}' is not a cron expression (five fields, or six with seconds first): {e.Message}";
            return null;
        }

        DateTimeZone? zone = null;
        if (timeZone is not null && timeZone != "UTC")
        {
            zone = timeZone.Length <= MaxZoneLength ? DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) : null;
            if (zone is null)
            {
                error = $"schedule.timeZone '{timeZone}' is not an IANA time zone (such as Europe/Berlin or America/New_York)";
                return null;
            }
        }

        return new TimerSchedule(cron, expression, zone is null ? null : timeZone, zone, 0);
    }

    /// <summary>An interval schedule; <paramref name="everyMs"/> must be at least <see cref="MinEveryMs"/>.</summary>
    public static TimerSchedule Every(long everyMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(everyMs, MinEveryMs);
        return new TimerSchedule(null, null, null, null, everyMs);
    }

    /// <summary>The first occurrence of a schedule created or replaced by an entry stamped <paramref name="stampUnixMs"/>; null when there is none.</summary>
    public long? First(long stampUnixMs) => Within(After(stampUnixMs, stampUnixMs));

    /// <summary>
    /// The next occurrence after the one due at <paramref name="firedDueUnixMs"/> (which fired as firing number
    /// <paramref name="fired"/>), as the misfire policy decides at <paramref name="stampUnixMs"/>, when the firing ended;
    /// null when the schedule is over (its count reached, or no occurrence left before its end).
    /// </summary>
    public long? NextAfterFiring(long firedDueUnixMs, int fired, long stampUnixMs)
    {
        if (Count is { } count && fired >= count)
            return null;
        var next = After(firedDueUnixMs, firedDueUnixMs);
        if (next is not { } due || due > stampUnixMs - MisfireGraceMs)
            return Within(next);

        // The next occurrence is missed already: the firing ran long, or the cluster could not fire for a while.
        return Misfire switch
        {
            MisfirePolicy.FireAll => Within(next),
            MisfirePolicy.Skip => Within(After(stampUnixMs, firedDueUnixMs)),
            _ => Within(LastAtOrBefore(stampUnixMs, due)),
        };
    }

    /// <summary>For <see cref="MisfirePolicy.Skip"/>: where a missed occurrence goes instead of firing; null when none is left.</summary>
    public long? SkipFrom(long stampUnixMs, long missedDueUnixMs) => Within(After(stampUnixMs, missedDueUnixMs));

    private long? Within(long? due) => due is { } at && (EndAtUnixMs is not { } end || at <= end) ? at : null;

    /// <summary>
    /// For <see cref="MisfirePolicy.FireOnce"/>: the latest occurrence at or before <paramref name="limitUnixMs"/>, from
    /// <paramref name="fromDue"/> (itself one) on, which stands for every occurrence missed since.
    /// </summary>
    public long LastAtOrBefore(long limitUnixMs, long fromDue)
    {
        if (limitUnixMs <= fromDue)
            return fromDue;
        if (EveryMs > 0)
            return fromDue + ((limitUnixMs - fromDue) / EveryMs * EveryMs);

        // A cron expression has no "previous occurrence": look back from the limit over a window that doubles until it
        // holds one, then step forward. The steps are bounded by the occurrences in that window, however long the
        // outage (or the pause) was.
        for (var window = 60_000L; ; window *= 2)
        {
            var start = Math.Max(fromDue, limitUnixMs - window);
            if (After(start, start) is { } first && first <= limitUnixMs)
            {
                var last = first;
                while (After(last, last) is { } next && next <= limitUnixMs)
                    last = next;
                return last;
            }

            if (start == fromDue)
                return fromDue;
        }
    }

    /// <summary>
    /// The first occurrence strictly after <paramref name="afterUnixMs"/>. An interval counts from <paramref name="anchorUnixMs"/>
    /// (an occurrence, or the create's stamp). A cron time that a daylight-saving change skips fires when the skipped hour
    /// ends; one it repeats fires once, the first time.
    /// </summary>
    private long? After(long afterUnixMs, long anchorUnixMs)
    {
        if (EveryMs > 0)
        {
            var steps = afterUnixMs < anchorUnixMs ? 1 : ((afterUnixMs - anchorUnixMs) / EveryMs) + 1;
            return steps > (TimerLimits.MaxDueAtUnixMs - anchorUnixMs) / EveryMs ? null : anchorUnixMs + (steps * EveryMs);
        }

        if (afterUnixMs >= TimerLimits.MaxDueAtUnixMs)
            return null;
        var after = Instant.FromUnixTimeMilliseconds(afterUnixMs);
        if (zone is null)
        {
            var utc = expression!.GetNextOccurrence(DateTime.SpecifyKind(after.ToDateTimeUtc(), DateTimeKind.Utc));
            return utc is { } at ? Instant.FromDateTimeUtc(at).ToUnixTimeMilliseconds() : null;
        }

        // The expression walks the zone's wall clock (read as if it were UTC); each wall time found is then placed in the zone.
        var wall = DateTime.SpecifyKind(after.InZone(zone).LocalDateTime.ToDateTimeUnspecified(), DateTimeKind.Utc);
        for (var i = 0; i < 1_000; i++)
        {
            if (expression!.GetNextOccurrence(wall) is not { } nextWall)
                return null;
            var mapping = zone.MapLocal(LocalDateTime.FromDateTime(nextWall));
            var instant = mapping.Count switch
            {
                1 => mapping.Single().ToInstant(),
                2 => mapping.First().ToInstant(),
                _ => mapping.LateInterval.Start,
            };
            if (instant > after)
            {
                var unixMs = instant.ToUnixTimeMilliseconds();
                return unixMs <= TimerLimits.MaxDueAtUnixMs ? unixMs : null;
            }

            if (mapping.Count == 2)
            {
                // In the repeated hour after the first time through it: its wall times all fired the first time, so the
                // search goes on from the end of the repeat (the transition in the earlier offset's wall time).
                var repeatEnds = mapping.LateInterval.Start.InZone(zone).LocalDateTime.PlusTicks(
                    (mapping.EarlyInterval.WallOffset - mapping.LateInterval.WallOffset).Ticks);
                wall = DateTime.SpecifyKind(repeatEnds.ToDateTimeUnspecified(), DateTimeKind.Utc).AddTicks(-1);
                continue;
            }

            wall = nextWall;
        }

        return null;
    }

    public bool Equals(TimerSchedule? other)
        => other is not null && Cron == other.Cron && TimeZone == other.TimeZone && EveryMs == other.EveryMs && EndAtUnixMs == other.EndAtUnixMs
           && Count == other.Count && Misfire == other.Misfire;

    public override int GetHashCode() => HashCode.Combine(Cron, TimeZone, EveryMs, EndAtUnixMs, Count, Misfire);
}
