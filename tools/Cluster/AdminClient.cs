using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Sends a membership change to the cluster with the recorded admin token. Any running member takes it (it forwards
/// to the leader); while no leader is known (503) or a member does not answer, the next one is tried, until the deadline.
/// Membership changes are idempotent (an add of a member, a remove of a non-member: 200), so a retry is safe.
/// </summary>
internal static class AdminClient
{
    private static readonly HttpClient s_client = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Returns the answer's JSON body; throws <see cref="ToolFailure"/> with the cluster's reason on a refusal.</summary>
    /// <remarks>
    /// Each attempt has its own <paramref name="attemptTimeout"/>: a paused node still accepts connections (the kernel
    /// completes the handshake), and must not use up the whole deadline before another member is tried.
    /// </remarks>
    public static async Task<string> SendAsync(ClusterState state, IReadOnlyList<NodeState> targets, HttpMethod method, string path, object? body,
        TimeSpan timeout, TimeSpan attemptTimeout, CancellationToken cancellationToken)
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
                    using var request = new HttpRequestMessage(method, node.Http + path);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", state.AdminToken);
                    if (body is not null)
                        request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                    attempt.CancelAfter(attemptTimeout);
                    try
                    {
                        using var response = await s_client.SendAsync(request, attempt.Token).ConfigureAwait(false);
                        var text = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
                        if (response.IsSuccessStatusCode)
                            return text;
                        var reason = response.Headers.TryGetValues("x-skyring-reason", out var values) ? string.Join(' ', values) : text;
                        lastProblem = $"{node.Id} answered {(int)response.StatusCode}: {reason}";
                        if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                            throw new ToolFailure(lastProblem);
                    }
                    catch (HttpRequestException e)
                    {
                        lastProblem = $"{node.Id} did not answer: {e.Message}";
                    }
                    catch (OperationCanceledException) when (attempt.IsCancellationRequested && !deadline.IsCancellationRequested)
                    {
                        lastProblem = $"{node.Id} did not answer within {attemptTimeout.TotalSeconds:0} s";
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
