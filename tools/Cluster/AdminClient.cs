using System.Net;
using RaftTimers.Client;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Sends a membership change to the cluster with the recorded admin token, through the client library. Any running
/// member takes it (it forwards to the leader); while no leader is known (503) or a member does not answer, the next
/// one is tried, until the deadline. Membership changes are idempotent (an add of a member, a remove of a non-member:
/// 200), so a retry is safe.
/// </summary>
internal static class AdminClient
{
    private static readonly HttpClient s_client = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Returns the answer's JSON; throws <see cref="ToolFailure"/> with the cluster's reason on a refusal.</summary>
    /// <remarks>
    /// Each attempt has its own <paramref name="attemptTimeout"/>: a paused node still accepts connections (the kernel
    /// completes the handshake), and must not use up the whole deadline before another member is tried.
    /// </remarks>
    public static async Task<string> SendAsync(ClusterState state, IReadOnlyList<NodeState> targets,
        Func<RaftTimersClient, CancellationToken, Task<ClusterDocument>> change, TimeSpan timeout, TimeSpan attemptTimeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var lastProblem = "no running member to ask";
        try
        {
            while (true)
            {
                foreach (var node in targets)
                {
                    using var client = new RaftTimersClient(s_client, new RaftTimersClientOptions
                    {
                        Nodes = [new Uri(node.Http)],
                        RequestTimeout = attemptTimeout,
                        AdminToken = state.AdminToken,
                    });
                    try
                    {
                        return (await change(client, deadline.Token).ConfigureAwait(false)).Json.GetRawText();
                    }
                    catch (TimerApiException e)
                    {
                        lastProblem = $"{node.Id} answered {(int)e.Status}: {e.Reason}";
                        if (e.Status != HttpStatusCode.ServiceUnavailable)
                            throw new ToolFailure(lastProblem);
                    }
                    catch (RaftTimersException e) when (!deadline.IsCancellationRequested)
                    {
                        lastProblem = $"{node.Id} did not answer: {e.Message}";
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ToolFailure($"timed out after {timeout.TotalSeconds:0} s; last: {lastProblem}");
        }
    }
}
