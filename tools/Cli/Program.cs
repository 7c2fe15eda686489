using System.CommandLine;
using System.CommandLine.Help;
using RaftTimers.Tools.Cli;
using RaftTimers.Tools.Cli.Commands;

// Entry point: parse, then either print help (with the exit codes), report a usage error (exit 2), or run one
// command and map its failure to one message on stderr and an exit code (ExitCodes). Ctrl-C cancels the request.
// Every error message goes through SecretRedaction first, so that no token typed on the command line reaches stderr.
var root = new RootCommand("""
    Command-line client for RaftTimers: create, inspect, replace, cancel and list timers, and show or change the cluster,
    through the HTTP API of any node. Human-readable tables by default, --json for scripts.
    """);
GlobalOptions.AddTo(root);
root.Subcommands.Add(CreateCommand.Build());
root.Subcommands.Add(GetCommand.Build());
root.Subcommands.Add(UpdateCommand.Build());
root.Subcommands.Add(CancelCommand.Build());
root.Subcommands.Add(HoldCommands.Pause());
root.Subcommands.Add(HoldCommands.Resume());
root.Subcommands.Add(HoldCommands.Retry());
root.Subcommands.Add(ListCommand.Build());
root.Subcommands.Add(BatchCommand.Build());
root.Subcommands.Add(EventsCommand.Build());
var cluster = new Command("cluster", "Show the cluster's members and state, add or remove a member");
cluster.Subcommands.Add(ClusterStatusCommand.Build());
cluster.Subcommands.Add(ClusterAddCommand.Build());
cluster.Subcommands.Add(ClusterRemoveCommand.Build());
root.Subcommands.Add(cluster);
root.Subcommands.Add(SigningSecretCommand.Build());

var redaction = new SecretRedaction(args);
var parse = root.Parse(args);
if (parse.Action is HelpAction)
{
    parse.Invoke();
    Console.Out.WriteLine(ExitCodes.HelpText);
    return ExitCodes.Success;
}

if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
        Console.Error.WriteLine($"timers: {redaction.Redact(error.Message)}");
    // The command's path below the root, e.g. "cluster status": walk up the parsed commands (a Command's Parents are
    // only its direct ones, which left "cluster" out).
    var names = new List<string>();
    for (var result = parse.CommandResult; result.Command != root && result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        names.Add(result.Command.Name);
    names.Reverse();
    var path = string.Join(' ', names);
    Console.Error.WriteLine($"see: timers {(path.Length > 0 ? path + " " : "")}--help");
    return ExitCodes.Usage;
}

try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliFailure failure)
{
    Console.Error.WriteLine($"timers: {redaction.Redact(failure.Message)}");
    return failure.ExitCode;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("timers: interrupted");
    return ExitCodes.Interrupted;
}
