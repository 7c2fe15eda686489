using System.Net;
using RaftTimers.Client;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Nemesis;

/// <summary>
/// The membership fault's moves, through the admin API as an operator would make them: remove a node, and add it back.
/// Each is sent to the leader itself when one is agreed (it may be the node removed), else to another node in turn: a
/// follower does not forward the admin token to the leader over the lab's plain HTTP (docs/security.md), and answers
/// 503 saying so, which is retried like "no leader".
/// A change that meets "no leader" or "another change under way" is retried until its deadline; a change that
/// still has not happened then fails the run, since the cluster would be left one member short.
/// </summary>
public sealed class MembershipChanges(NodeSet nodes, HttpClient http)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public Task RemoveAsync(string id, CancellationToken token)
        => SendAsync(id, "remove", (client, cancel) => client.RemoveMemberAsync(nodes.RaftAddressOf(id), cancel), token);

    public Task AddAsync(string id, CancellationToken token)
        => SendAsync(id, "add", (client, cancel) => client.AddMemberAsync(nodes.RaftAddressOf(id), new Uri(nodes.UrlOf(id)), cancel), token);

    private async Task SendAsync(string target, string what, Func<RaftTimersClient, CancellationToken, Task<ClusterDocument>> change, CancellationToken token)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var others = nodes.Ids.Where(n => n != target).ToList();
        var last = "not sent";
        for (var attempt = 0; clock.Elapsed < Deadline && !token.IsCancellationRequested; attempt++)
        {
            var via = await nodes.LeaderAsync(http, token).ConfigureAwait(false) ?? others[attempt % others.Count];
            var client = new RaftTimersClient(http, new RaftTimersClientOptions
            {
                Nodes = [new Uri(nodes.UrlOf(via))],
                RequestTimeout = TimeSpan.FromSeconds(30),
                AdminToken = NodeSet.AdminToken,
            });
            try
            {
                await change(client, token).ConfigureAwait(false);
                return;
            }
            catch (TimerApiException e)
            {
                last = $"{via} answered {(int)e.Status} {e.Reason}";
                // 503: no leader right now; 409: a change is under way; 502: the joining node is not up yet.
                if (e.Status is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict or HttpStatusCode.BadGateway))
                    break;
            }
            catch (RaftTimersException e) when (!token.IsCancellationRequested)
            {
                last = $"{via}: {e.GetType().Name}";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"{what} {target} did not succeed within {Deadline.TotalSeconds:0} s; last: {last}");
    }
}
