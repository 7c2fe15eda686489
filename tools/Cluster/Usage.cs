namespace RaftTimers.Tools.Cluster;

/// <summary>The text printed by <c>--help</c>, and after a usage error.</summary>
internal static class Usage
{
    public const string Text = """
        cluster: run a local RaftTimers cluster of real node processes on this machine.

        usage:
          cluster start   --nodes N --http-port P --raft-port Q --data DIR
                          [--host 127.0.0.1] [--timeout-seconds 60] [--node-dll PATH] [--admin-token T] [--tls false]
                          [-- extra node args...]
          cluster stop    --data DIR [--node K]
          cluster kill    --data DIR --node K
          cluster restart --data DIR --node K [--timeout-seconds 60]
          cluster pause   --data DIR --node K
          cluster resume  --data DIR --node K
          cluster status  --data DIR
          cluster add     --data DIR [--timeout-seconds 60]
          cluster remove  --data DIR --node K [--timeout-seconds 60]

        start     Starts N nodes in the background: node k (n1..nN) serves HTTP on P+k-1 and Raft on Q+k-1,
                  keeps its data in DIR/n{k} and appends its output to DIR/n{k}.log. Waits until every node
                  reports the same leader on GET /cluster, then prints one API base URL per line.
                  Run again on a stopped cluster to start it on its existing data. On failure, it stops
                  the nodes it started and shows the end of their logs. Nodes may call back to receivers on
                  this machine (RaftTimers:Security:Callbacks:Permit=127.0.0.0/8,::1,localhost,HOST); an
                  extra node argument naming that setting replaces it. It makes a throwaway CA and a
                  certificate per node in DIR/tls, and the nodes speak only mutual TLS on their Raft
                  ports; --tls false (kept for the cluster's life) leaves the Raft ports plain TCP.
        stop      SIGTERM to every running node (or only node K), SIGKILL to those still running after 10 s.
        kill      SIGKILL to node K (1-based index or id, e.g. 2 or n2).
        restart   Stops node K if it runs, starts it again with the recorded arguments, waits until it
                  knows a leader, and prints its URL.
        pause     SIGSTOP to node K; resume sends SIGCONT.
        status    One line per node: id, pid or "stopped", URL, and its role, term and leader if it answers.
        add       Starts the next node (n{N+1}, on the next ports) in join mode, asks the cluster to add it
                  (POST /cluster/members: it catches up, then the new configuration commits), waits until
                  it knows the leader, and prints its URL. On failure the new node is stopped and forgotten.
        remove    Asks the cluster to remove node K (DELETE /cluster/members), then stops it. A removed node
                  is never started again and its ports are never reused; its data directory is kept.

        Every node gets the admin token (from --admin-token at the first start, else a random one) in its
        environment as RaftTimers__Security__AdminToken; it is recorded in cluster.json, which add and remove read.

        The cluster's state (ports, node dll, extra args, pids) is DIR/cluster.json. Only processes
        recorded there, and still running the node dll on their data directory, are ever signalled.
        start takes the node dll from --node-dll, else $RAFTTIMERS_NODE_DLL, else
        src/Node/bin/Release/net10.0/RaftTimers.Node.dll in the repository this tool was built from.
        The other commands accept --node-dll too but keep the dll recorded at start (a different one is noted).

        exit codes: 0 success, 1 failure, 2 usage error.
        """;
}
