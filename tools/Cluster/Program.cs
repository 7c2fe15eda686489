using System.Runtime.InteropServices;
using RaftTimers.Tools.Cluster;
using RaftTimers.Tools.Cluster.Commands;

// Entry point: parse, run one command, map failures to one clear message on stderr and an exit code.
// Ctrl-C and SIGTERM cancel the command instead of killing this process, so start and restart can stop
// the nodes they launched before exiting (the nodes are in their own session and would otherwise survive
// unrecorded as ready). The other commands finish their bounded work (at most the stop grace period) first.
using var cancellation = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

try
{
    var commandLine = CommandLine.Parse(args);
    if (commandLine.HelpRequested || commandLine.Command == "help")
    {
        Console.Out.WriteLine(Usage.Text);
        return ExitCodes.Success;
    }
    var context = new CommandContext(commandLine, Console.Out, Console.Error, cancellation.Token);
    return commandLine.Command switch
    {
        "start" => await StartCommand.RunAsync(context),
        "stop" => StopCommand.Run(context),
        "kill" => KillCommand.Run(context),
        "restart" => await RestartCommand.RunAsync(context),
        "pause" => PauseCommand.Run(context, pause: true),
        "resume" => PauseCommand.Run(context, pause: false),
        "status" => await StatusCommand.RunAsync(context),
        "add" => await AddCommand.RunAsync(context),
        "remove" => await RemoveCommand.RunAsync(context),
        "" => throw ToolFailure.Usage("no command given (start, stop, kill, restart, pause, resume, status, add, remove; see cluster --help)"),
        var other => throw ToolFailure.Usage($"unknown command '{other}' (see cluster --help)"),
    };
}
catch (ToolFailure failure)
{
    Console.Error.WriteLine($"cluster: {failure.Message}");
    return failure.ExitCode;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("cluster: interrupted");
    return ExitCodes.Interrupted;
}

void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    cancellation.Cancel();
}
