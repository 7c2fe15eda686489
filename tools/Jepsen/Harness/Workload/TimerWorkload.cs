using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Workload;

/// <summary>
/// Concurrent clients against random nodes, as a Skyring client would call them. Every operation is recorded
/// invoke → ok / fail / info: ok when it happened, fail when the answer says it did not (404, 409), info when
/// the answer never came or said "unknown" (timeout, reset, 503).
/// </summary>
public sealed class TimerWorkload(HttpClient http, IReadOnlyList<string> nodeUrls, string sinkUrl, int seed, WorkloadOptions options, HistoryWriter history)
{
    private readonly List<string> knownIds = [];
    private readonly Lock known = new();
    private long counter;

    public async Task RunAsync(TimeSpan duration, CancellationToken token)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        stop.CancelAfter(duration);
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(p => ClientLoopAsync(p, new Random(HashCode.Combine(seed, p)), stop.Token))).ConfigureAwait(false);
        history.Flush();
    }

    private async Task ClientLoopAsync(int process, Random random, CancellationToken token)
    {
        (string Id, string Body, long TimeoutMs)? retry = null;
        while (!token.IsCancellationRequested)
        {
            var node = nodeUrls[random.Next(nodeUrls.Count)];
            var roll = random.NextDouble();
            var target = RandomKnownId(random);
            if (retry is { } again)
            {
                retry = await CreateAsync(process, node, again.Id, again.Body, again.TimeoutMs).ConfigureAwait(false) ? null : (random.NextDouble() < 0.5 ? again : null);
            }
            else if (target is not null && roll < options.UpdateShare)
            {
                await UpdateAsync(process, node, target, NextBody(process), Delay(random)).ConfigureAwait(false);
            }
            else if (target is not null && roll < options.UpdateShare + options.CancelShare)
            {
                await CancelAsync(process, node, target).ConfigureAwait(false);
            }
            else if (target is not null && roll < options.UpdateShare + options.CancelShare + options.GetShare)
            {
                await GetAsync(process, node, target).ConfigureAwait(false);
            }
            else
            {
                var body = NextBody(process);
                var timeout = Delay(random);
                var id = random.NextDouble() < options.ClientIdShare ? $"c{seed}-{process}-{Interlocked.Increment(ref counter)}" : null;
                if (!await CreateAsync(process, node, id, body, timeout).ConfigureAwait(false) && id is not null && random.NextDouble() < 0.5)
                    retry = (id, body, timeout);
            }

            try
            {
                await Task.Delay(options.ThinkTime, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private long Delay(Random random) => 1 + (long)Math.Min(options.MaxDelayMs - 1, -Math.Log(1 - random.NextDouble()) * options.MeanDelayMs);

    private string NextBody(int process) => $"b{process}-{Interlocked.Increment(ref counter)}";

    private string? RandomKnownId(Random random)
    {
        lock (known)
            return knownIds.Count == 0 ? null : knownIds[Math.Max(0, knownIds.Count - 1 - random.Next(Math.Min(knownIds.Count, 64)))];
    }

    private void Remember(string id)
    {
        lock (known)
        {
            knownIds.Add(id);
            if (knownIds.Count > 4096)
                knownIds.RemoveRange(0, 1024);
        }
    }

    private string Payload(string body, long timeoutMs) => JsonSerializer.Serialize(new
    {
        timeout = timeoutMs,
        data = body,
        callback = new { transport = "http", method = "post", uri = $"{sinkUrl}/cb" },
    });

    /// <summary>Returns true when the create's outcome is known (ok or fail).</summary>
    private async Task<bool> CreateAsync(int process, string node, string? id, string body, long timeoutMs)
    {
        var invoked = Now();
        if (id is not null)
        {
            history.Invoke(process, OpFunction.Create, id, invoked, timeoutMs, body);
            Remember(id);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{node}/timer") { Content = new StringContent(Payload(body, timeoutMs), Encoding.UTF8, "application/json") };
        if (id is not null)
            request.Headers.Add("x-timer-id", id);
        var (status, json, error) = await SendAsync(request).ConfigureAwait(false);
        var outcome = status switch
        {
            201 => OpOutcome.Ok,
            409 => OpOutcome.Fail,
            >= 400 and < 500 => OpOutcome.Fail,
            _ => OpOutcome.Info,
        };
        var timerId = id ?? (json?.TryGetProperty("id", out var given) == true ? given.GetString()! : $"unknown-{process}-{Interlocked.Increment(ref counter)}");
        var op = new Operation(process, OpFunction.Create, timerId, invoked, Now(), outcome, status, timeoutMs, body, Version(json), Error: error);
        if (id is null)
        {
            history.InvokeAndComplete(op);
            if (outcome == OpOutcome.Ok)
                Remember(timerId);
        }
        else
        {
            history.Complete(op);
        }

        return outcome != OpOutcome.Info;
    }

    private async Task UpdateAsync(int process, string node, string id, string body, long timeoutMs)
    {
        var invoked = Now();
        history.Invoke(process, OpFunction.Update, id, invoked, timeoutMs, body);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{node}/timer/{id}") { Content = new StringContent(Payload(body, timeoutMs), Encoding.UTF8, "application/json") };
        var (status, json, error) = await SendAsync(request).ConfigureAwait(false);
        var outcome = status switch { 200 => OpOutcome.Ok, 404 => OpOutcome.Fail, >= 400 and < 500 => OpOutcome.Fail, _ => OpOutcome.Info };
        history.Complete(new Operation(process, OpFunction.Update, id, invoked, Now(), outcome, status, timeoutMs, body, Version(json), Error: error));
    }

    private async Task CancelAsync(int process, string node, string id)
    {
        var invoked = Now();
        history.Invoke(process, OpFunction.Cancel, id, invoked);
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{node}/timer/{id}");
        var (status, _, error) = await SendAsync(request).ConfigureAwait(false);
        var outcome = status switch { 202 => OpOutcome.Ok, 404 => OpOutcome.Fail, >= 400 and < 500 => OpOutcome.Fail, _ => OpOutcome.Info };
        history.Complete(new Operation(process, OpFunction.Cancel, id, invoked, Now(), outcome, status, Error: error));
    }

    private async Task GetAsync(int process, string node, string id)
    {
        var invoked = Now();
        history.Invoke(process, OpFunction.Get, id, invoked);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{node}/timer/{id}");
        var (status, json, error) = await SendAsync(request).ConfigureAwait(false);
        var outcome = status switch { 200 => OpOutcome.Ok, 404 => OpOutcome.Fail, >= 400 and < 500 => OpOutcome.Fail, _ => OpOutcome.Info };
        var state = status == 200 && json?.TryGetProperty("state", out var s) == true ? s.GetString() : null;
        history.Complete(new Operation(process, OpFunction.Get, id, invoked, Now(), outcome, status, Version: Version(json), State: state, Error: error));
    }

    private static long? Version(JsonElement? json) => json?.TryGetProperty("version", out var v) == true && v.TryGetInt64(out var version) ? version : null;

    private async Task<(int Status, JsonElement? Json, string? Error)> SendAsync(HttpRequestMessage request)
    {
        using var timeout = new CancellationTokenSource(options.RequestTimeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            JsonElement? json = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
                json = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token).ConfigureAwait(false);
            var reason = response.Headers.TryGetValues("x-skyring-reason", out var values) ? string.Join(",", values) : null;
            return (status, json, status >= 400 ? reason : null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or IOException)
        {
            return (0, null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static double Now() => Clock.NowMs();
}
