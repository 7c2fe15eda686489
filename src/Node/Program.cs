using RaftTimers.Node;
using RaftTimers.Node.Health;

// "probe live|ready" asks a running node's health endpoint and exits (Health/SelfProbe.cs); anything else runs a node.
return args is [SelfProbe.Command, .. var probe]
    ? await SelfProbe.RunAsync(probe, Console.Out, Console.Error).ConfigureAwait(false)
    : await NodeHost.RunAsync(args).ConfigureAwait(false);
