using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using RaftTimers.Node.Http;

namespace RaftTimers.Node.Tests.Security;

/// <summary><see cref="InFlightLimit"/>: never more slots than its limit, and every slot comes back.</summary>
public sealed class InFlightLimitTests
{
    [Fact]
    public void Slots_run_out_at_the_limit_and_come_back_on_exit()
    {
        var limit = new InFlightLimit(2);
        Assert.True(limit.TryEnter());
        Assert.True(limit.TryEnter());
        Assert.False(limit.TryEnter());
        Assert.False(limit.TryEnter());
        limit.Exit();
        Assert.True(limit.TryEnter());
        Assert.False(limit.TryEnter());
    }

    [Fact]
    public async Task A_held_slot_comes_back_as_the_answer_starts_and_only_once()
    {
        var limit = new InFlightLimit(1);
        var response = new StartingResponse();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);

        var slot = limit.TryHold(context.Response);
        Assert.NotNull(slot);
        Assert.Null(limit.TryHold(new DefaultHttpContext().Response));

        // The client may read its answer as soon as it starts: its next write must find the slot free by then.
        await response.StartAsync();
        Assert.True(limit.TryEnter(), "the slot was still held when the answer started");

        slot.Dispose();
        Assert.False(limit.TryEnter(), "disposing after the start gave the slot back a second time");
    }

    [Fact]
    public void A_held_slot_comes_back_on_dispose_when_no_answer_started()
    {
        var limit = new InFlightLimit(1);
        using (limit.TryHold(new DefaultHttpContext().Response))
            Assert.False(limit.TryEnter());
        Assert.True(limit.TryEnter());
    }

    /// <summary>A response that runs its OnStarting callbacks when told to, as Kestrel does before the first byte.</summary>
    private sealed class StartingResponse : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> starting = [];

        public override void OnStarting(Func<object, Task> callback, object state) => starting.Add((callback, state));

        public async Task StartAsync()
        {
            foreach (var (callback, state) in starting)
                await callback(state);
        }
    }

    [Fact]
    public async Task Concurrent_callers_never_hold_more_than_the_limit()
    {
        const int max = 3;
        var limit = new InFlightLimit(max);
        var holding = 0;
        var most = 0;
        using var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < 20_000; i++)
            {
                if (!limit.TryEnter())
                    continue;

                var now = Interlocked.Increment(ref holding);
                InterlockedMax(ref most, now);
                Interlocked.Decrement(ref holding);
                limit.Exit();
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers);

        Assert.InRange(most, 1, max);
        for (var i = 0; i < max; i++)
            Assert.True(limit.TryEnter(), "a slot was lost");
        Assert.False(limit.TryEnter());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
                return;
            seen = previous;
        }
    }
}
