using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// <see cref="TimerSchedule"/>: occurrences of cron expressions in IANA zones across both daylight-saving changes,
/// intervals, the end and the count, and the three misfire policies. Expected instants are worked out by hand from the
/// zone's offsets (Europe/Berlin: +01 in winter, +02 from 2027-03-28 01:00Z to 2027-10-31 01:00Z).
/// </summary>
public sealed class TimerScheduleTests
{
    private static long Utc(int year, int month, int day, int hour, int minute, int second = 0)
        => new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static string Iso(long? unixMs) => unixMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm'Z'") : "none";

    private static TimerSchedule Cron(string cron, string? zone = null)
        => TimerSchedule.TryCron(cron, zone, out var error) ?? throw new Xunit.Sdk.XunitException(error);

    /// <summary>Each occurrence in turn, as a schedule that fired each one on time would see them.</summary>
    private static IEnumerable<string> Occurrences(TimerSchedule schedule, long fromUnixMs, int count)
    {
        var due = schedule.First(fromUnixMs);
        for (var n = 1; n <= count && due is { } at; n++)
        {
            yield return Iso(at);
            due = schedule.NextAfterFiring(at, n, at);
        }
    }

    [Fact]
    public void Working_days_at_nine_in_Berlin_move_an_hour_in_UTC_across_the_spring_change()
        => Assert.Equal(
            ["2027-03-26T08:00Z", "2027-03-29T07:00Z", "2027-03-30T07:00Z"],
            Occurrences(Cron("0 9 * * MON-FRI", "Europe/Berlin"), Utc(2027, 3, 26, 0, 0), 3));

    [Fact]
    public void A_time_the_spring_change_skips_fires_when_the_skipped_hour_ends()
        => Assert.Equal(
            ["2027-03-27T01:30Z", "2027-03-28T01:00Z", "2027-03-29T00:30Z"],
            Occurrences(Cron("30 2 * * *", "Europe/Berlin"), Utc(2027, 3, 26, 12, 0), 3));

    [Fact]
    public void A_time_the_autumn_change_repeats_fires_once_the_first_time()
        => Assert.Equal(
            ["2027-10-31T00:45Z", "2027-10-31T02:45Z", "2027-10-31T03:45Z"],
            Occurrences(Cron("45 * * * *", "Europe/Berlin"), Utc(2027, 10, 30, 23, 50), 3));

    [Fact]
    public void Within_the_repeated_hour_a_schedule_of_seconds_goes_on_after_it_instead_of_ending()
    {
        // 2027-11-07 in New York: 01:00 to 02:00 is lived twice (EDT, then EST from 06:00Z). At 01:10 EST, the second
        // time through, every wall time of the hour has fired once already: the next is 02:00:00 EST.
        var seconds = Cron("*/2 * * * * *", "America/New_York");
        Assert.Equal(Utc(2027, 11, 7, 7, 0), seconds.First(Utc(2027, 11, 7, 6, 10)));
        Assert.Equal(Utc(2027, 11, 7, 5, 10, 2), seconds.First(Utc(2027, 11, 7, 5, 10)));
    }

    [Fact]
    public void The_last_missed_occurrence_of_seconds_after_days_is_found_without_stepping_through_them()
    {
        var seconds = Cron("* * * * * *");
        var from = Utc(2027, 1, 1, 8, 0);
        Assert.Equal(Utc(2027, 1, 4, 8, 0, 7), seconds.LastAtOrBefore(Utc(2027, 1, 4, 8, 0, 7) + 500, from));
        var monthly = Cron("0 0 1 * *");
        Assert.Equal(Utc(2027, 6, 1, 0, 0), monthly.LastAtOrBefore(Utc(2027, 6, 20, 0, 0), Utc(2027, 1, 1, 0, 0)));
        Assert.Equal(Utc(2027, 1, 1, 0, 0), monthly.LastAtOrBefore(Utc(2027, 1, 20, 0, 0), Utc(2027, 1, 1, 0, 0)));
    }

    [Fact]
    public void Without_a_zone_an_expression_is_read_in_UTC_and_six_fields_have_seconds()
    {
        Assert.Equal(["2027-01-01T09:00Z", "2027-01-02T09:00Z"], Occurrences(Cron("0 9 * * *"), Utc(2027, 1, 1, 8, 0), 2));
        Assert.Equal(["2027-01-01T09:00Z", "2027-01-02T09:00Z"], Occurrences(Cron("0 9 * * *", "UTC"), Utc(2027, 1, 1, 8, 0), 2));
        var everyTenSeconds = Cron("*/10 * * * * *");
        Assert.Equal(Utc(2027, 1, 1, 8, 0, 10), everyTenSeconds.First(Utc(2027, 1, 1, 8, 0, 3)));
        Assert.Null(Cron("0 9 * * *", "UTC").TimeZone);
    }

    [Fact]
    public void An_interval_counts_from_the_create_and_then_from_each_due_time()
    {
        var every = TimerSchedule.Every(15 * 60_000);
        Assert.Equal(["2027-01-01T08:15Z", "2027-01-01T08:30Z", "2027-01-01T08:45Z"], Occurrences(every, Utc(2027, 1, 1, 8, 0), 3));
        // A firing that ended late does not shift the grid: the next is counted from the due time that fired.
        Assert.Equal(Utc(2027, 1, 1, 8, 30), every.NextAfterFiring(Utc(2027, 1, 1, 8, 15), 1, Utc(2027, 1, 1, 8, 15, 40)));
    }

    [Fact]
    public void The_count_and_the_end_stop_the_schedule()
    {
        var counted = TimerSchedule.Every(60_000) with { Count = 2 };
        Assert.Equal(["2027-01-01T08:01Z", "2027-01-01T08:02Z"], Occurrences(counted, Utc(2027, 1, 1, 8, 0), 10));

        var ending = TimerSchedule.Every(60_000) with { EndAtUnixMs = Utc(2027, 1, 1, 8, 3) };
        Assert.Equal(["2027-01-01T08:01Z", "2027-01-01T08:02Z", "2027-01-01T08:03Z"], Occurrences(ending, Utc(2027, 1, 1, 8, 0), 10));
        Assert.Null((TimerSchedule.Every(60_000) with { EndAtUnixMs = Utc(2027, 1, 1, 8, 0, 30) }).First(Utc(2027, 1, 1, 8, 0)));
        Assert.Null(Cron("0 0 30 2 *").First(Utc(2027, 1, 1, 0, 0)));
    }

    [Theory]
    [InlineData(MisfirePolicy.FireAll, "2027-01-01T08:02Z")]
    [InlineData(MisfirePolicy.FireOnce, "2027-01-01T08:12Z")]
    [InlineData(MisfirePolicy.Skip, "2027-01-01T08:13Z")]
    public void After_an_outage_each_policy_picks_its_next_occurrence(MisfirePolicy policy, string expected)
    {
        // Every minute; the firing due 08:01 ended at 08:12:30, so 08:02 to 08:12 were missed.
        var schedule = TimerSchedule.Every(60_000) with { Misfire = policy };
        Assert.Equal(expected, Iso(schedule.NextAfterFiring(Utc(2027, 1, 1, 8, 1), 1, Utc(2027, 1, 1, 8, 12, 30))));

        var cron = Cron("* * * * *") with { Misfire = policy };
        Assert.Equal(expected, Iso(cron.NextAfterFiring(Utc(2027, 1, 1, 8, 1), 1, Utc(2027, 1, 1, 8, 12, 30))));
    }

    [Theory]
    [InlineData(MisfirePolicy.FireAll)]
    [InlineData(MisfirePolicy.FireOnce)]
    [InlineData(MisfirePolicy.Skip)]
    public void An_occurrence_less_late_than_the_grace_is_not_missed(MisfirePolicy policy)
    {
        var schedule = TimerSchedule.Every(60_000) with { Misfire = policy };
        // The firing due 08:01 ended at 08:02:30: 08:02 is 30 s late, within the grace of a minute.
        Assert.Equal(Utc(2027, 1, 1, 8, 2), schedule.NextAfterFiring(Utc(2027, 1, 1, 8, 1), 1, Utc(2027, 1, 1, 8, 2, 30)));
        Assert.Equal(Utc(2027, 1, 1, 8, 3), schedule.SkipFrom(Utc(2027, 1, 1, 8, 2, 30), Utc(2027, 1, 1, 8, 1)));
    }

    [Theory]
    [InlineData("61 * * * *", null, "is not a cron expression")]
    [InlineData("* * *", null, "is not a cron expression")]
    [InlineData("0 9 * * *", "Mars/Olympus_Mons", "is not an IANA time zone")]
    [InlineData("0 9 * * *", "CEST", "is not an IANA time zone")]
    public void A_bad_expression_or_zone_is_named(string cron, string? zone, string reason)
    {
        Assert.Null(TimerSchedule.TryCron(cron, zone, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Schedules_are_equal_by_every_field()
    {
        Assert.Equal(Cron("0 9 * * *", "Europe/Berlin"), Cron("0 9 * * *", "Europe/Berlin"));
        Assert.NotEqual(Cron("0 9 * * *", "Europe/Berlin"), Cron("0 9 * * *", "Europe/Paris"));
        Assert.NotEqual(TimerSchedule.Every(60_000), TimerSchedule.Every(60_000) with { Count = 3 });
        Assert.NotEqual(TimerSchedule.Every(60_000), TimerSchedule.Every(60_000) with { Misfire = MisfirePolicy.Skip });
    }
}
