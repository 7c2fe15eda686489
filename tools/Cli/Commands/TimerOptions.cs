using System.CommandLine;
using RaftTimers.Client;
using RaftTimers.Tools.Cli.Input;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>The options that describe a timer, shared by <c>create</c> and <c>update</c> (PUT replaces the whole timer).</summary>
internal sealed class TimerOptions
{
    public Option<string> Delay { get; } = new("--delay", "-d")
    {
        Description = "Delay before the callback, counted from when the cluster commits the write: ms, or with a unit (1500, 90s, 5m, 2h); 1 ms to 2147483647 ms",
        Required = true,
        HelpName = "DELAY",
    };

    public Option<string> Callback { get; } = new("--callback", "-c")
    {
        Description = "Absolute http(s) URI the timer calls when it fires",
        Required = true,
        HelpName = "URI",
    };

    public Option<string> Method { get; } = new("--method", "-m")
    {
        Description = $"HTTP method of the callback: {string.Join(", ", TimerInput.Methods)}",
        DefaultValueFactory = _ => "post",
        HelpName = "METHOD",
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

    public void AddTo(Command command)
    {
        command.Options.Add(Delay);
        command.Options.Add(Callback);
        command.Options.Add(Method);
        command.Options.Add(Data);
        command.Options.Add(DataJson);
    }

    /// <summary>The timer the options describe, checked against the API's limits first.</summary>
    public TimerRequest Request(ParseResult parse)
    {
        var delayMs = TimerInput.ParseDelayMs(parse.GetValue(Delay)!);
        var callback = TimerInput.RequireCallbackUri(parse.GetValue(Callback));
        var method = TimerInput.RequireMethod(parse.GetValue(Method)!);
        var data = TimerInput.Data(parse.GetValue(Data), parse.GetValue(DataJson));
        return new TimerRequest(delayMs, new CallbackTarget(callback, method), data);
    }
}
