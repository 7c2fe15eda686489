using RaftTimers.Node;

return await NodeHost.RunAsync(args).ConfigureAwait(false);
