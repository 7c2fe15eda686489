using System.CommandLine;
using RaftTimers.Client;
using RaftTimers.Tools.Cli.Input;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>The options that describe a timer, shared by <c>create</c> and <c>update</c> (PUT replaces the whole timer).</summary>
internal sealed class TimerOptions
{
    public Option<string> Delay { get; } = new("--delay", "-d")
    {
        Description = "Delay before the callback, counted from when the cluster commits the write: ms, or with a unit (1500, 90s, 5m, 2h); 1 ms to 2147483647 ms. Give this or --at",
        HelpName = "DELAY",
    };

    public Option<string> At { get; } = new("--at")
    {
        Description = "When the callback is due, as an RFC 3339 time with an offset (2027-01-01T09:00:00Z), however far ahead; one already past fires at once. Give this or --delay",
        HelpName = "TIME",
    };

    public Option<string> Cron { get; } = new("--cron")
    {
        Description = "Repeat at each time this cron expression matches (five fields, or six with seconds first), in --tz. Instead of --delay or --at",
        HelpName = "EXPR",
    };

    public Option<string> TimeZone { get; } = new("--tz")
    {
        Description = "The IANA time zone --cron is read in (Europe/Berlin); UTC by default",
        HelpName = "ZONE",
    };

    public Option<string> Every { get; } = new("--every")
    {
        Description = "Repeat every DURATION (90s, 15m, 2h, 1d; at least 1s), counted from the create. Instead of --delay or --at",
        HelpName = "DURATION",
    };

    public Option<int?> Count { get; } = new("--count")
    {
        Description = "With --cron or --every: fire at most this many times",
        HelpName = "N",
    };

    public Option<string> EndAt { get; } = new("--end-at")
    {
        Description = "With --cron or --every: no occurrence after this RFC 3339 time",
        HelpName = "TIME",
    };

    public Option<string> Misfire { get; } = new("--misfire")
    {
        Description = "With --cron or --every, what missed occurrences do: fireOnce (default), fireAll or skip",
        HelpName = "POLICY",
    };

    public Option<string> Callback { get; } = new("--callback", "-c")
    {
        Description = "Absolute URI the timer calls when it fires: http(s) for the http transport, tcp://host:port for tcp",
        Required = true,
        HelpName = "URI",
    };

    public Option<string> Method { get; } = new("--method", "-m")
    {
        Description = $"HTTP method of the callback: {string.Join(", ", TimerInput.Methods)}",
        DefaultValueFactory = _ => "post",
        HelpName = "METHOD",
    };

    public Option<string> Transport { get; } = new("--transport", "-t")
    {
        Description = "How the callback is delivered: http, tcp (the data written to a TCP connection), or a plug-in the nodes load",
        DefaultValueFactory = _ => "http",
        HelpName = "NAME",
    };

    public Option<string> Data { get; } = new("--data")
    {
        Description = "Payload as text, delivered as the callback body (text/plain)",
        HelpName = "TEXT",
    };

    public Option<string> DataJson { get; } = new("--data-json")
    {
        Description = "Payload as a JSON object, delivered as the callback body (application/json)",
        HelpName = "JSON",
    };

    public Option<string[]> Header { get; } = new("--header", "-H")
    {
        Description = "A header the callback carries, as \"Name: value\"; repeat for more (at most 20)",
        HelpName = "HEADER",
    };

    public Option<string> DeadLetter { get; } = new("--dead-letter")
    {
        Description = "An http(s) URI that gets a JSON notice (POST) if the timer ends failed",
        HelpName = "URI",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Delay);
        command.Options.Add(At);
        command.Options.Add(Cron);
        command.Options.Add(TimeZone);
        command.Options.Add(Every);
        command.Options.Add(Count);
        command.Options.Add(EndAt);
        command.Options.Add(Misfire);
        command.Options.Add(Callback);
        command.Options.Add(Method);
        command.Options.Add(Transport);
        command.Options.Add(Data);
        command.Options.Add(DataJson);
        command.Options.Add(Header);
        command.Options.Add(DeadLetter);
    }

    /// <summary>The timer the options describe, checked against the API's limits first.</summary>
    public TimerRequest Request(ParseResult parse)
    {
        var (delay, at, cron, every) = (parse.GetValue(Delay), parse.GetValue(At), parse.GetValue(Cron), parse.GetValue(Every));
        if (new[] { delay, at, cron, every }.Count(o => o is not null) != 1)
            throw CliFailure.Usage("give --delay (a delay), --at (a due time), --cron or --every (a schedule), one of them");
        var schedule = cron is not null || every is not null ? ScheduleOf(parse, cron, every) : null;
        if (schedule is null && (parse.GetValue(Count) is not null || parse.GetValue(EndAt) is not null || parse.GetValue(Misfire) is not null || parse.GetValue(TimeZone) is not null))
            throw CliFailure.Usage("--count, --end-at, --misfire and --tz go with --cron or --every");
        var transport = TimerInput.RequireTransport(parse.GetValue(Transport)!);
        var callback = new CallbackTarget(TimerInput.RequireCallbackUri(parse.GetValue(Callback), transport), TimerInput.RequireMethod(parse.GetValue(Method)!), transport)
        {
            Headers = TimerInput.Headers(parse.GetValue(Header) ?? []),
        };
        var data = TimerInput.Data(parse.GetValue(Data), parse.GetValue(DataJson));
        var request = schedule is not null ? new TimerRequest(schedule, callback, data)
            : at is not null ? new TimerRequest(TimerInput.ParseDueAt(at), callback, data)
            : new TimerRequest(TimerInput.ParseDelayMs(delay!), callback, data);
        return parse.GetValue(DeadLetter) is { } deadLetter
            ? request with { DeadLetter = new CallbackTarget(TimerInput.RequireCallbackUri(deadLetter, option: "--dead-letter", what: "the absolute URI that gets the notice if the timer ends failed")) }
            : request;
    }

    /// <summary>The schedule the options give; the node checks the expression and the zone, and says what is wrong.</summary>
    private Schedule ScheduleOf(ParseResult parse, string? cron, string? every)
    {
        if (every is not null && parse.GetValue(TimeZone) is not null)
            throw CliFailure.Usage("--tz goes with --cron; --every needs no zone");
        var misfire = parse.GetValue(Misfire);
        if (misfire is not null && misfire is not ("fireOnce" or "fireAll" or "skip"))
            throw CliFailure.Usage($"--misfire must be fireOnce, fireAll or skip, not '{misfire}'");
        if (parse.GetValue(Count) is < 1)
            throw CliFailure.Usage("--count must be at least 1");
        var everyMs = every is null ? (long?)null : TimerInput.ParseDelayMs(every);
        if (everyMs is < 1000)
            throw CliFailure.Usage($"--every must be at least 1s, not '{every}'");
        return new Schedule
        {
            Cron = cron,
            TimeZone = parse.GetValue(TimeZone),
            Every = everyMs,
            Count = parse.GetValue(Count),
            EndAt = parse.GetValue(EndAt) is { } endAt ? TimerInput.ParseDueAt(endAt) : null,
            Misfire = misfire,
        };
    }
}
