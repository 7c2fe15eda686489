using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A steady stream of creates while a test changes the cluster: one timer every <c>1/rate</c> seconds, each sent to
/// a node chosen round-robin from what <c>nodes()</c> returns at that moment, each firing a short while later into
/// the sink. A create that gets no 201 (503 during an election, a refused connection) is retried with the same
/// x-timer-id, which is safe; a timer counts as acknowledged only once a node answered 201.
/// </summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private readonly HttpClient http;
    private readonly Func<IReadOnlyList<string>> nodes;
    private readonly Func<string, string> callbackFor;
    private readonly string prefix;
    private readonly TimeSpan interval;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, bool> acknowledged = new();
    private readonly ConcurrentDictionary<string, string> unconfirmed = new();
    private readonly List<Task> creates = [];
    private readonly Task loop;
    private int sequence;

    public SteadyLoad(HttpClient http, Func<IReadOnlyList<string>> nodes, Func<string, string> callbackFor, string prefix, int ratePerSecond)
    {
        this.http = http;
        this.nodes = nodes;
        this.callbackFor = callbackFor;
        this.prefix = prefix;
        interval = TimeSpan.FromSeconds(1.0 / ratePerSecond);
        loop = Task.Run(RunAsync);
    }

    /// <summary>Ids some node answered 201 for: the cluster must fire each of them, once.</summary>
    public IReadOnlyCollection<string> Acknowledged => acknowledged.Keys.ToList();

    /// <summary>Ids that never got a 201 in time, with the last answer: they may or may not exist.</summary>
    public IReadOnlyDictionary<string, string> Unconfirmed => unconfirmed;

    private async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var n = ++sequence;
            var id = $"{prefix}-{n:D5}";
            lock (creates)
                creates.Add(CreateAsync(id, timeoutMs: 500 + (n % 10) * 250));
            var next = interval * n - clock.Elapsed;
            if (next > TimeSpan.Zero)
                await Task.Delay(next, CancellationToken.None);
        }
    }

    private async Task CreateAsync(string id, int timeoutMs)
    {
        var body = TimerApi.Body(timeoutMs, callbackFor(id));
        var started = Stopwatch.StartNew();
        var attempt = 0;
        var last = "not sent";
        while (started.Elapsed < TimeSpan.FromSeconds(60))
        {
            var targets = nodes();
            // A retry goes to the next node, so a node that is down or removed is not asked twice in a row.
            var node = targets[(SequenceOf(id) + attempt++) % targets.Count];
            try
            {
                using var response = await http.CreateAsync(node, id, body);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged[id] = true;
                    unconfirmed.TryRemove(id, out _);
                    return;
                }

                last = $"{(int)response.StatusCode} {TimerApi.Reason(response)} from {node}";
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    break; // anything but "retry later" is an answer a retry will not change
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = $"{e.GetType().Name} from {node}";
            }

            unconfirmed[id] = last;
            await Task.Delay(100);
        }

        unconfirmed[id] = last;
    }

    private static int SequenceOf(string id) => int.Parse(id[(id.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Stops issuing creates and waits for those in flight to be answered (or given up on).</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        Task[] pending;
        lock (creates)
            pending = [.. creates];
        await Task.WhenAll(pending);
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
            await StopAsync();
        stop.Dispose();
    }
}
