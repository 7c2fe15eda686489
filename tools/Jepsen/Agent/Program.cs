using RaftTimers.JepsenLike.Agent;

// The harness's helper process: the callback sink runs as a process of its own, so that in lab mode it lives in
// a network namespace of its own, and so that its log survives whatever happens to the harness.
return args.FirstOrDefault() switch
{
    "sink" => await SinkCommand.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: jepsen-agent sink --listen IP:PORT --log FILE [--seed N] [--faults START-END:MODE[:PARAM],...]");
    return 2;
}
