using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace RaftTimers.Client.Events;

/// <summary>
/// Reads GET /events as Server-Sent Events. When a node's stream breaks or the node cannot be reached, it goes on from
/// the last event received on the next node: every node streams the same events with the same ids, so the reader sees
/// each event once, in order. It gives up only when a whole round of nodes could not be reached.
/// </summary>
internal static class EventStream
{
    /// <summary>Nodes send a comment every 15 s on a quiet stream; three missed ones mean the node is gone.</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Between a stream that failed or ended with nothing and the next try: the <c>retry</c> the nodes send.</summary>
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromSeconds(2);

    public static async IAsyncEnumerable<TimerLifecycleEvent> ReadAsync(HttpClient http, RaftTimersClientOptions options, EventQuery query,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        var last = query.After;
        var failures = new List<string>();
        EventsGoneException? gone = null;
        var node = 0;
        var pause = false;
        while (true)
        {
            // A whole round of nodes without a stream ends the reading: none could be reached, or none keeps the events.
            if (failures.Count >= options.Nodes.Count)
            {
                if (gone is not null)
                    throw gone;
                throw new NoNodeAnsweredException($"no node streamed events ({string.Join("; ", failures)})");
            }

            if (pause)
                await Task.Delay(ReconnectPause, cancellation).ConfigureAwait(false);
            pause = node % options.Nodes.Count == options.Nodes.Count - 1; // after each round of nodes, wait before the next
            var url = options.Nodes[node % options.Nodes.Count];
            node++;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url.AbsoluteUri.TrimEnd('/') + Path(query)));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (options.ApiToken is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiToken);
            if (last is not null)
                request.Headers.TryAddWithoutValidation("Last-Event-ID", last);
            request.Headers.TryAddWithoutValidation("User-Agent", options.UserAgent);

            HttpResponseMessage response;
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                connect.CancelAfter(options.RequestTimeout);
                try
                {
                    response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellation.IsCancellationRequested)
                {
                    failures.Add($"{url}: {e.Message}");
                    continue;
                }
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Gone)
                {
                    // What a node keeps differs from node to node (one that took a snapshot from the leader keeps less): another may still have them.
                    gone ??= new EventsGoneException(url, TimerApiProtocol.Reason(response) ?? "the events asked for are no longer kept",
                        response.Headers.TryGetValues("x-resume-from", out var from) ? from.FirstOrDefault() : null);
                    failures.Add($"{url}: 410 {gone.Message}");
                    continue;
                }

                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{url}: {(int)response.StatusCode} {TimerApiProtocol.Reason(response)}");
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw TimerApiException.For(url, response.StatusCode, TimerApiProtocol.Reason(response) ?? $"HTTP {(int)response.StatusCode}", null,
                        response.Headers.RetryAfter?.Delta);
                }

                var received = false;
                var stream = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                string? id = null, kind = null;
                var data = new StringBuilder();
                while (true)
                {
                    string? line;
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                    idle.CancelAfter(IdleTimeout);
                    try
                    {
                        line = await reader.ReadLineAsync(idle.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !cancellation.IsCancellationRequested)
                    {
                        line = null;
                    }

                    if (line is null)
                        break; // the stream broke or the node stopped: go on from the last event on the next node
                    if (line.Length == 0)
                    {
                        if (kind == "gone")
                            throw new EventsGoneException(url, "the node fell too far behind this stream to go on without a gap", ResumeFromOf(data.ToString()));
                        // An id alone (the node's first frame) is where the stream starts: a reconnect goes on from there.
                        if (id is not null)
                            last = id;
                        if (data.Length > 0 && kind is not null)
                        {
                            var e = JsonSerializer.Deserialize<TimerLifecycleEvent>(data.ToString(), TimerApiProtocol.Json)
                                ?? throw new UnexpectedAnswerException(url, 200, $"{url} sent an event without data");
                            last = id ?? e.Id;
                            received = true;
                            yield return e;
                        }

                        (id, kind) = (null, null);
                        data.Clear();
                        continue;
                    }

                    if (line.StartsWith(':'))
                        continue;
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    var field = colon < 0 ? line : line[..colon];
                    var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
                    switch (field)
                    {
                        case "id":
                            id = value;
                            break;
                        case "event":
                            kind = value;
                            break;
                        case "data":
                            data.Append(value);
                            break;
                    }
                }

                // A node that closed the stream before sending anything counts as a failure, so a round of them ends the loop;
                // one that streamed events starts the count again.
                if (received)
                {
                    failures.Clear();
                    gone = null;
                    pause = false;
                }
                else
                {
                    failures.Add($"{url}: the stream ended");
                    pause = true;
                }
            }
        }
    }

    public static string Path(EventQuery query)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(query.Prefix))
            parts.Add($"prefix={Uri.EscapeDataString(query.Prefix)}");
        if (query.Kinds.Count > 0)
            parts.Add($"kind={Uri.EscapeDataString(string.Join(',', query.Kinds))}");
        return parts.Count == 0 ? TimerApiProtocol.EventsPath : $"{TimerApiProtocol.EventsPath}?{string.Join('&', parts)}";
    }

    private static string? ResumeFromOf(string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.TryGetProperty("resumeFrom", out var from) ? from.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
