using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Sends a membership change to the cluster with the recorded admin token. Any running member takes it (it forwards
/// to the leader); while no leader is known (503) or a member does not answer, the next one is tried, until the deadline.
/// </summary>
internal static class AdminClient
{
    private static readonly HttpClient s_client = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Returns the answer's JSON body; throws <see cref="ToolFailure"/> with the cluster's reason on a refusal.</summary>
    public static async Task<string> SendAsync(ClusterState state, IReadOnlyList<NodeState> targets, HttpMethod method, string path, object? body,
        TimeSpan timeout, CancellationToken cancellationToken)
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
                    try
                    {
                        using var response = await s_client.SendAsync(request, deadline.Token).ConfigureAwait(false);
                        var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
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
