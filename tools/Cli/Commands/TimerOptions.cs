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

    public void AddTo(Command command)
    {
        command.Options.Add(Delay);
        command.Options.Add(At);
        command.Options.Add(Callback);
        command.Options.Add(Method);
        command.Options.Add(Transport);
        command.Options.Add(Data);
        command.Options.Add(DataJson);
        command.Options.Add(Header);
    }

    /// <summary>The timer the options describe, checked against the API's limits first.</summary>
    public TimerRequest Request(ParseResult parse)
    {
        var (delay, at) = (parse.GetValue(Delay), parse.GetValue(At));
        if ((delay is null) == (at is null))
            throw CliFailure.Usage("give --delay (a delay) or --at (a due time), one of them");
        var transport = TimerInput.RequireTransport(parse.GetValue(Transport)!);
        var callback = new CallbackTarget(TimerInput.RequireCallbackUri(parse.GetValue(Callback), transport), TimerInput.RequireMethod(parse.GetValue(Method)!), transport)
        {
            Headers = TimerInput.Headers(parse.GetValue(Header) ?? []),
        };
        var data = TimerInput.Data(parse.GetValue(Data), parse.GetValue(DataJson));
        return at is not null
            ? new TimerRequest(TimerInput.ParseDueAt(at), callback, data)
            : new TimerRequest(TimerInput.ParseDelayMs(delay!), callback, data);
    }
}
