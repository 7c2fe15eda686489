using RaftTimers.Client;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Workload;

/// <summary>
/// Concurrent clients against random nodes, each operation through the client library to one node. Every operation is
/// recorded invoke → ok / fail / info: ok when it happened, fail when the answer says it did not (404, 409, another
/// 4xx), info when the answer never came or said "unknown" (timeout, reset, 503).
/// </summary>
public sealed class TimerWorkload(HttpClient http, IReadOnlyList<string> nodeUrls, string sinkUrl, int seed, WorkloadOptions options, HistoryWriter history)
{
    // One client per node, so that each operation goes to the node it drew and is never repeated elsewhere: the
    // history must say where each operation went. Creates without an id let the server choose one, as part of the test.
    private readonly IReadOnlyDictionary<string, RaftTimersClient> clients = nodeUrls.Distinct().ToDictionary(url => url, url => new RaftTimersClient(http,
        new RaftTimersClientOptions { Nodes = [new Uri(url)], RequestTimeout = options.RequestTimeout, ClientMadeIds = false }));

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
            else if (random.NextDouble() < options.BatchShare)
            {
                await BatchAsync(process, node, random, target).ConfigureAwait(false);
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

    private TimerRequest Payload(string body, long timeoutMs) => new(timeoutMs, new CallbackTarget($"{sinkUrl}/cb"), body);

    /// <summary>Returns true when the create's outcome is known (ok or fail).</summary>
    private async Task<bool> CreateAsync(int process, string node, string? id, string body, long timeoutMs)
    {
        var invoked = Now();
        if (id is not null)
        {
            history.Invoke(process, OpFunction.Create, id, invoked, timeoutMs, body);
            Remember(id);
        }

        var (status, created, error) = await CallAsync(() => clients[node].CreateAsync(Payload(body, timeoutMs), id), 201).ConfigureAwait(false);
        var outcome = Outcome(status);
        var timerId = id ?? created?.Id ?? $"unknown-{process}-{Interlocked.Increment(ref counter)}";
        var op = new Operation(process, OpFunction.Create, timerId, invoked, Now(), outcome, status, timeoutMs, body, created?.Version, Error: error);
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

    /// <summary>
    /// A batch of creates with their own ids, and a cancel of <paramref name="cancel"/> in half of them. Its items are
    /// recorded as operations of their own under process numbers of this client's (<see cref="BatchProcess"/>), since they
    /// are in flight together; each completes with its own status, or all as info when the batch got no answer.
    /// </summary>
    private async Task BatchAsync(int process, string node, Random random, string? cancel)
    {
        var batch = new TimerBatch();
        var items = new List<(int Process, OpFunction F, string Id, long TimeoutMs, string? Body)>();
        var invoked = Now();
        for (var i = random.Next(2, 6); i > 0; i--)
        {
            var (id, body, timeout) = ($"c{seed}-{process}-{Interlocked.Increment(ref counter)}", NextBody(process), Delay(random));
            batch.Create(Payload(body, timeout), id);
            items.Add((BatchProcess(process, items.Count), OpFunction.Create, id, timeout, body));
            history.Invoke(items[^1].Process, OpFunction.Create, id, invoked, timeout, body);
            Remember(id);
        }

        if (cancel is not null && random.NextDouble() < 0.5)
        {
            batch.Cancel(cancel);
            items.Add((BatchProcess(process, items.Count), OpFunction.Cancel, cancel, 0, null));
            history.Invoke(items[^1].Process, OpFunction.Cancel, cancel, invoked);
        }

        var (status, results, error) = await CallAsync(() => clients[node].BatchAsync(batch), 200).ConfigureAwait(false);
        var completed = Now();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var itemStatus = results is not null && i < results.Count ? results[i].Status : status;
            var version = results is not null && i < results.Count ? results[i].Version : null;
            var outcome = status == 200 && (results is null || i >= results.Count) ? OpOutcome.Info : Outcome(itemStatus);
            history.Complete(new Operation(item.Process, item.F, item.Id, invoked, completed, outcome, itemStatus, item.TimeoutMs, item.Body, version,
                Error: results is not null && i < results.Count ? results[i].Reason : error));
        }
    }

    /// <summary>Process numbers for a batch's items, apart from every client's own (0 to Clients - 1).</summary>
    private static int BatchProcess(int process, int item) => ((process + 1) * 1_000) + item;

    private async Task UpdateAsync(int process, string node, string id, string body, long timeoutMs)
    {
        var invoked = Now();
        history.Invoke(process, OpFunction.Update, id, invoked, timeoutMs, body);
        var (status, updated, error) = await CallAsync(() => clients[node].ReplaceAsync(id, Payload(body, timeoutMs)), 200).ConfigureAwait(false);
        history.Complete(new Operation(process, OpFunction.Update, id, invoked, Now(), Outcome(status), status, timeoutMs, body, updated?.Version, Error: error));
    }

    private async Task CancelAsync(int process, string node, string id)
    {
        var invoked = Now();
        history.Invoke(process, OpFunction.Cancel, id, invoked);
        var (status, _, error) = await CallAsync(async () =>
        {
            await clients[node].CancelAsync(id).ConfigureAwait(false);
            return true;
        }, 202).ConfigureAwait(false);
        history.Complete(new Operation(process, OpFunction.Cancel, id, invoked, Now(), Outcome(status), status, Error: error));
    }

    private async Task GetAsync(int process, string node, string id)
    {
        var invoked = Now();
        history.Invoke(process, OpFunction.Get, id, invoked);
        var (status, timer, error) = await CallAsync(() => clients[node].GetAsync(id), 200).ConfigureAwait(false);
        if (status == 200 && timer is null)
            status = 404; // the client answers a 404 with no timer
        history.Complete(new Operation(process, OpFunction.Get, id, invoked, Now(), Outcome(status), status, Version: timer?.Version, State: timer?.State, Error: error));
    }

    /// <summary>Ok when it happened, fail when a node said it did not (4xx: a 429 is answered before the write is taken), info when unknown (no answer, 5xx).</summary>
    private static OpOutcome Outcome(int status) => status switch
    {
        >= 200 and < 300 => OpOutcome.Ok,
        >= 400 and < 500 => OpOutcome.Fail,
        _ => OpOutcome.Info,
    };

    /// <summary>The status of a call: <paramref name="success"/> when it returned, the node's status for an error answer, 0 for none.</summary>
    private static async Task<(int Status, T? Result, string? Error)> CallAsync<T>(Func<Task<T>> call, int success)
    {
        try
        {
            return (success, await call().ConfigureAwait(false), null);
        }
        catch (TimerApiException e)
        {
            return ((int)e.Status, default, e.Reason);
        }
        catch (RaftTimersException e)
        {
            return (0, default, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static double Now() => Clock.NowMs();
}
