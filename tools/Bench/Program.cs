using RaftTimers.Tools.Bench;
using RaftTimers.Tools.Bench.Modes;
using RaftTimers.Tools.Bench.Sink;
using RaftTimers.Tools.Bench.Stub;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Out.Write(Usage.Text);
    return args.Length == 0 ? 2 : 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (args[0] is "sink" or "stub")
        return;
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    var options = new BenchArgs(args.Skip(1));
    return args[0] switch
    {
        "create" => await CreateMode.RunAsync(options, mix: false, cancel.Token),
        "mix" => await CreateMode.RunAsync(options, mix: true, cancel.Token),
        "precision" => await PrecisionMode.RunAsync(options, cancel.Token),
        "capacity" => await CapacityMode.RunAsync(options, cancel.Token),
        "restart" => await RecoveryMode.RestartAsync(options, cancel.Token),
        "failover" => await RecoveryMode.FailoverAsync(options, cancel.Token),
        "sink" => await SinkServer.RunAsync(options),
        "stub" => await StubServer.RunAsync(options),
        "plot" => await PlotMode.RunAsync(options),
        _ => throw new UsageException($"unknown mode '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    Console.Error.WriteLine("see bench --help");
    return 2;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("bench: interrupted");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    return 1;
}
