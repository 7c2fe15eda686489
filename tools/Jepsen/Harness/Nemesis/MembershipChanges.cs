using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Nemesis;

/// <summary>
/// The membership fault's moves, through the admin API as an operator would make them: remove a node (sent to
/// another node, which forwards it to the leader; the leader itself may be the one removed), and add it back.
/// A change that meets "no leader" or "another change under way" is retried until its deadline; a change that
/// still has not happened then fails the run, since the cluster would be left one member short.
/// </summary>
public sealed class MembershipChanges(NodeSet nodes, HttpClient http)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public Task RemoveAsync(string id, CancellationToken token)
        => SendAsync(id, HttpMethod.Delete, "/cluster/members/" + Uri.EscapeDataString(nodes.RaftAddressOf(id)), null, token);

    public Task AddAsync(string id, CancellationToken token)
        => SendAsync(id, HttpMethod.Post, "/cluster/members", new { raft = nodes.RaftAddressOf(id), api = nodes.UrlOf(id) }, token);

    private async Task SendAsync(string target, HttpMethod method, string path, object? body, CancellationToken token)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var others = nodes.Ids.Where(n => n != target).ToList();
        var last = "not sent";
        for (var attempt = 0; clock.Elapsed < Deadline && !token.IsCancellationRequested; attempt++)
        {
            var via = others[attempt % others.Count];
            using var request = new HttpRequestMessage(method, nodes.UrlOf(via) + path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NodeSet.AdminToken);
            if (body is not null)
                request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                    return;
                last = $"{via} answered {(int)response.StatusCode} {string.Join(' ', response.Headers.TryGetValues("x-skyring-reason", out var r) ? r : [])}";
                // 503: no leader right now; 409: a change is under way; 502: the joining node is not up yet.
                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict or HttpStatusCode.BadGateway))
                    break;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !token.IsCancellationRequested)
            {
                last = $"{via}: {e.GetType().Name}";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"{method} {path} for {target} did not succeed within {Deadline.TotalSeconds:0} s; last: {last}");
    }
}
