using System.Net;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// The lifecycle event stream (GET /events, docs/api.md "Events") of a real 3-node cluster: every node streams the same
/// events, in the same order, with the same ids; a reader resumes after any event on another node and gets exactly
/// the rest, also when the node it reads from stops mid-stream; filters select by kind; a reader behind what a node
/// keeps gets 410 with where to start again.
/// </summary>
public sealed class EventStreamTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static RaftTimersClient ClientOf(params string[] nodes)
        => new(new RaftTimersClientOptions { Nodes = [.. nodes.Select(n => new Uri(n))], RequestTimeout = TimeSpan.FromSeconds(10) });

    /// <summary>Reads the stream until <paramref name="done"/> holds for what arrived, within the deadline.</summary>
    private static async Task<List<TimerLifecycleEvent>> ReadUntilAsync(RaftTimersClient client, EventQuery query, Func<List<TimerLifecycleEvent>, bool> done,
        Func<Task>? afterFirst = null)
    {
        var seen = new List<TimerLifecycleEvent>();
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await foreach (var e in client.EventsAsync(query, deadline.Token))
            {
                seen.Add(e);
                if (seen.Count == 1 && afterFirst is not null)
                    await afterFirst();
                if (done(seen))
                    return seen;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"the stream did not get there within {Deadline}: {Describe(seen)}");
    }

    private static string Describe(IEnumerable<TimerLifecycleEvent> events) => string.Join(", ", events.Select(e => $"{e.Id} {e.Kind} {e.TimerId} v{e.Version}"));

    private static string Key(TimerLifecycleEvent e) => $"{e.Id} {e.Kind} {e.TimerId} v{e.Version} at={e.At:O} due={e.DueAt:O} attempt={e.Attempt} error={e.Error}";

    [Fact]
    public async Task Every_node_streams_the_same_lifecycle_and_a_reader_resumes_on_another_node_with_exactly_the_rest()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Delivery:MaxAttempts=2", "--RaftTimers:Delivery:InitialBackoffMs=100");
        var urls = cluster.Urls;
        var p = $"ev-{Guid.NewGuid():N}"[..12];
        var expected = new Dictionary<string, string[]>
        {
            [$"{p}-ok"] = ["created", "fired", "delivered"],
            [$"{p}-updated"] = ["created", "updated", "fired", "delivered"],
            [$"{p}-cancelled"] = ["created", "cancelled"],
            [$"{p}-failed"] = ["created", "fired", "retrying", "failed"],
        };
        var total = expected.Values.Sum(k => k.Length);
        bool Complete(List<TimerLifecycleEvent> seen) => seen.Count >= total;

        // Readers on every node from the start of the log, before anything happens.
        var readers = urls.Select(url => ReadUntilAsync(ClientOf(url), new EventQuery(p, after: "0"), Complete)).ToArray();

        await ClientOf(urls[0]).CreateAsync(TimerRequest.After(TimeSpan.FromMilliseconds(200), sink.UrlFor($"{p}-ok")), $"{p}-ok");
        await ClientOf(urls[1]).CreateAsync(TimerRequest.After(TimeSpan.FromMinutes(5), sink.UrlFor($"{p}-updated")), $"{p}-updated");
        await ClientOf(urls[2]).ReplaceAsync($"{p}-updated", TimerRequest.After(TimeSpan.FromMilliseconds(200), sink.UrlFor($"{p}-updated")));
        await ClientOf(urls[1]).CreateAsync(TimerRequest.After(TimeSpan.FromMinutes(5), sink.UrlFor($"{p}-cancelled")), $"{p}-cancelled");
        await ClientOf(urls[2]).CancelAsync($"{p}-cancelled");
        await ClientOf(urls[0]).CreateAsync(TimerRequest.After(TimeSpan.FromMilliseconds(200), "http://127.0.0.1:9/refused"), $"{p}-failed");
        // Not of this prefix: the filter leaves it out.
        await ClientOf(urls[0]).CreateAsync(TimerRequest.After(TimeSpan.FromMinutes(5), sink.UrlFor("other")), $"x{p}");

        var streams = await Task.WhenAll(readers);

        foreach (var (id, kinds) in expected)
            Assert.Equal(kinds, streams[0].Where(e => e.TimerId == id).Select(e => e.Kind));
        Assert.Equal(total, streams[0].Count);
        // The same events, in the same order, with the same ids and fields, whichever node streamed them.
        Assert.Equal(streams[0].Select(Key), streams[1].Select(Key));
        Assert.Equal(streams[0].Select(Key), streams[2].Select(Key));
        Assert.Equal(streams[0].Select(e => e.Index).Order(), streams[0].Select(e => e.Index));

        // Resumed after the fifth event, on another node: exactly the rest.
        var rest = await ReadUntilAsync(ClientOf(urls[2]), new EventQuery(p, after: streams[0][4].Id), seen => seen.Count >= total - 5);
        Assert.Equal(streams[0].Skip(5).Select(Key), rest.Select(Key));

        // Kinds filter.
        var ends = await ReadUntilAsync(ClientOf(urls[1]), new EventQuery(p, [TimerEventKinds.Delivered, TimerEventKinds.Failed], after: "0"), seen => seen.Count >= 3);
        Assert.Equal(streams[0].Where(e => e.Kind is "delivered" or "failed").Select(Key), ends.Select(Key));
        var failed = Assert.Single(ends, e => e.Kind == "failed");
        Assert.Equal(2, failed.Attempt);
        Assert.NotNull(failed.Error);

        // A restarted node replays its log and streams the very same events again.
        await cluster.RestartAsync(3);
        var replayed = await ReadUntilAsync(ClientOf(urls[2]), new EventQuery(p, after: "0"), Complete);
        Assert.Equal(streams[0].Select(Key), replayed.Select(Key));
    }

    [Fact]
    public async Task A_reader_whose_node_stops_goes_on_from_its_last_event_on_the_next_node()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3);
        var urls = cluster.Urls;
        var p = $"fo-{Guid.NewGuid():N}"[..12];
        var writer = ClientOf([.. urls]);
        const int Timers = 40;

        // The reader starts on node 3; once the first event arrived, node 3 stops, and the writes go on meanwhile.
        var writes = Task.Run(async () =>
        {
            for (var i = 0; i < Timers; i++)
            {
                // A create that meets the stop (a 503 while a new leader is elected, or no answer) is sent again with its
                // id, which makes it an idempotent retry; the write itself is not what this test is about.
                var id = $"{p}-{i:D2}";
                await Poll.UntilAsync(async () =>
                    {
                        try
                        {
                            await writer.CreateAsync(TimerRequest.After(TimeSpan.FromMinutes(5), sink.UrlFor("unused")), id);
                            return null;
                        }
                        catch (Exception e) when (e is ClusterUnavailableException or TimerOutcomeUnknownException or NoNodeAnsweredException)
                        {
                            return e.Message;
                        }
                    },
                    failure => failure is null, Deadline, failure => $"create {id}: {failure}");
            }
        });
        var reading = ReadUntilAsync(ClientOf(urls[2], urls[0]), new EventQuery(p, [TimerEventKinds.Created], after: "0"), s => s.Count >= Timers,
            afterFirst: () => cluster.StopAsync(3));
        // A writer that gave up is the failure to report, not the reader that then waited in vain.
        if (await Task.WhenAny(reading, writes) == writes)
            await writes;
        var seen = await reading;
        await writes;

        // Each create once, in log order, across the switch of nodes.
        Assert.Equal(Enumerable.Range(0, Timers).Select(i => $"{p}-{i:D2}"), seen.Select(e => e.TimerId));
        Assert.Equal(seen.Select(e => e.Id).Distinct().Count(), seen.Count);
    }

    [Fact]
    public async Task A_reader_behind_what_a_node_keeps_gets_410_with_where_to_start_again()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Events:RetainedEvents=4");
        var p = $"gone-{Guid.NewGuid():N}"[..12];
        var client = ClientOf(cluster.Urls[0]);
        for (var i = 0; i < 8; i++)
            await client.CreateAsync(TimerRequest.After(TimeSpan.FromMinutes(5), sink.UrlFor("unused")), $"{p}-{i}");

        using var raw = await cluster.Http.GetAsync($"{cluster.Urls[0]}/events?lastEventId=0");
        Assert.Equal(HttpStatusCode.Gone, raw.StatusCode);
        var resumeFrom = Assert.Single(raw.Headers.GetValues("x-resume-from"));
        Assert.Contains($"lastEventId={resumeFrom}", TimerApi.Reason(raw), StringComparison.Ordinal);

        var gone = await Assert.ThrowsAsync<EventsGoneException>(async () =>
        {
            await foreach (var _ in client.EventsAsync(new EventQuery(p, after: "0")))
            {
            }
        });
        Assert.Equal(resumeFrom, gone.ResumeFrom);

        // From there, what the node keeps, and what it applies after: the newest creates, in order, without a gap; the
        // oldest one went when the node had more than four events (the node read may still have been applying the last).
        var kept = await ReadUntilAsync(client, new EventQuery(p, after: gone.ResumeFrom), seen => seen.Count >= 1 && seen[^1].TimerId == $"{p}-7");
        var first = int.Parse(kept[0].TimerId[(p.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(first > 0, $"the oldest create was kept: {Describe(kept)}");
        Assert.Equal(Enumerable.Range(first, 8 - first).Select(i => $"{p}-{i}"), kept.Select(e => e.TimerId));

        using var badKind = await cluster.Http.GetAsync($"{cluster.Urls[1]}/events?kind=executed");
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        Assert.Contains("kinds are created, updated, cancelled, fired, retrying, delivered, failed, purged, skipped, paused, resumed, redriven", TimerApi.Reason(badKind), StringComparison.Ordinal);
        using var badId = await cluster.Http.GetAsync($"{cluster.Urls[1]}/events?lastEventId=soon");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
    }
}
