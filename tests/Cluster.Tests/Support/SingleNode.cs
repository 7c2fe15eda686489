using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Propose;
using RaftTimers.Core.Lead;
using RaftTimers.Support;

namespace RaftTimers.Tests;

/// <summary>A real node of a Raft group of one: its write-ahead log on disk in <paramref name="directory"/>, its leader's wheel and proposer.</summary>
internal static class SingleNode
{
    public static async Task<TimerNode> StartAsync(string directory, TimeProvider clock)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePorts.FindRun(1));
        var options = new RaftOptions
        {
            NodeId = "n1",
            RaftEndPoint = endpoint,
            ApiUrl = "http://127.0.0.1:1",
            InitialMembers = [endpoint],
            DataDirectory = directory,
            Bootstrap = true,
            LowerElectionTimeoutMs = 150,
            UpperElectionTimeoutMs = 300,
        };

        // One attempt, so a failed callback ends the timer at once and leaves the log quiet afterwards.
        return await TimerNode.StartAsync(options, new ProposerOptions(), new LeaderOptions(), new DeliveryOptions { MaxAttempts = 1, AttemptTimeoutMs = 1_000 },
            null, null, new NoLeaderObserver(), NullLoggerFactory.Instance, clock, _ => { }, CancellationToken.None);
    }
}
