namespace RaftTimers.Tools.Bench;

/// <summary>The text printed by <c>--help</c>.</summary>
internal static class Usage
{
    public const string Text = """
        bench: load generator and benchmark driver for a Skyring-compatible timer service (docs/benchmarks.md).

        usage:  bench MODE (--nodes URL[,URL...] | --cluster DIR) [options]
                bench plot --json FILE [--out FILE.svg]

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
          plot        draws a run's --json report as an SVG chart, chosen by the report's mode: throughput over time
                      (create, mix), lateness distribution (precision), failover timeline (failover); --out defaults
                      to the report's path with .svg
          stub        a stand-in timer server (--port P): parses each create and answers 201, no Raft, no state;
                      three of them under `bench create --nodes ... --pids ...` measure HTTP alone on this machine

        common options
          --nodes URL,...      the servers' base URLs            --cluster DIR   a tools/cluster directory
          --to all|leader|followers   round-robin over all nodes (default; followers forward to the leader), or
                               only to the leader, or only to the others (RaftTimers: GET /cluster names the leader)
          --concurrency C      workers / connections (default 64; precision 256)
          --rate R             operations per second (default: closed loop; precision 5000)
          --duration S         measured seconds (default 60)     --warmup S      unmeasured seconds first (default 5)
          --callbacks distinct|shared   each timer's own callback URI BASE/cb/RUN/SEQ (default), or one for all (BASE/cb)
          --ids server|client  ids made by the server (default) or sent as x-timer-id
          --padding B          extra bytes of timer data          --json FILE     also write the results as JSON
          --pids P,...         server process ids whose CPU to report (--cluster knows them)
          --quiet              no live progress line
          --client raw|httpclient   lean keep-alive sockets (default) or .NET's HttpClient, for comparison
          Every body carries data {"seq":N}. With --cluster or --pids the report has each server's CPU per operation
          and context switches per operation over the measured window, and the generator's own CPU per operation.
        mode options
          create/mix   --timer-ms MS (default 3600000)  --callback BASE (default http://127.0.0.1:9)  --cancel-share F
          precision    --timer-ms MS (default 2000)  --grace S (default 15)  --sink-host IP  (--warmup default 20)
                       --burst: every timer due at one instant, --timer-ms after the last create (a burst of fires)
          capacity     --timers N (default 1000000)  --timer-ms MS (default 86400000)  --callback BASE
          restart      --node ID (default: a follower)  --leader (restart the leader instead)
          failover     --rounds N (default 3)  --rate R (default 500)  --timer-ms MS (default 1000)

        exit codes: 0 ran and every timer checked out, 1 failures or missing/early timers, 2 usage error.
        """;
}
