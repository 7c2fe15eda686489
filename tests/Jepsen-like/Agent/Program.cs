using RaftTimers.JepsenLike.Agent;

// The harness's helper processes. They run as separate processes so that, in network-namespace mode,
// each can live in a namespace of its own: the callback sink, the workload client, the final-state reader.
return args.FirstOrDefault() switch
{
    "sink" => await SinkCommand.RunAsync(args[1..]),
    "client" => await ClientCommand.RunAsync(args[1..]),
    "final-state" => await FinalStateCommand.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: jepsen-agent sink|client|final-state [options]  (see each command's --help)");
    return 2;
}
