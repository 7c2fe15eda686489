namespace RaftTimers.Tools.Bench;

/// <summary>The text printed by <c>--help</c>.</summary>
internal static class Usage
{
    public const string Text = """
        bench: load generator and benchmark driver for a Skyring-compatible timer service (docs/benchmarks.md).

        usage:  bench MODE (--nodes URL[,URL...] | --cluster DIR) [options]

        modes
          create      create throughput: closed loop with --concurrency workers, or --rate per second
          mix         creates, with --cancel-share (default 0.3) of operations cancelling timers created earlier
          precision   timers due at --rate per second (default 5000); a sink process receives the callbacks;
                      reports lateness (arrival - dueAt), also p99 and max by second of due time,
                      and missing, duplicate and early callbacks
          capacity    loads --timers N pending timers and reports managed memory per timer on every node
                      (RaftTimers nodes started with --RaftTimers:Diagnostics:MemoryEndpoint=true)
          restart     kill -9 one node holding the timers, restart it, time until it serves and has caught up
                      (needs --cluster)
          failover    steady fires, then kill -9 of the leader: time to the first accepted write and to the first
                      fire after the kill, --rounds times (needs --cluster)
          sink        the callback receiver process (started by precision and failover themselves)

        common options
          --nodes URL,...      the servers' base URLs            --cluster DIR   a tools/cluster directory
          --to leader|all      send to the leader (default) or round-robin over all nodes (followers forward)
          --concurrency C      workers / connections (default 64; precision 256)
          --rate R             operations per second (default: closed loop; precision 5000)
          --duration S         measured seconds (default 60)     --warmup S      unmeasured seconds first (default 5)
          --padding B          extra bytes of timer data          --json FILE     also write the results as JSON
          --quiet              no live progress line
          --client raw|httpclient   lean keep-alive sockets (default) or .NET's HttpClient, for comparison
        mode options
          create/mix   --timer-ms MS (default 3600000)  --callback URI  --cancel-share F  --client-ids
          precision    --timer-ms MS (default 2000)  --grace S (default 15)  --sink-host IP  (--warmup default 20)
          capacity     --timers N (default 1000000)  --timer-ms MS (default 86400000)
          restart      --node ID (default: a follower)  --leader (restart the leader instead)
          failover     --rounds N (default 3)  --rate R (default 500)  --timer-ms MS (default 1000)

        exit codes: 0 ran and every timer checked out, 1 failures or missing/early timers, 2 usage error.
        """;
}
