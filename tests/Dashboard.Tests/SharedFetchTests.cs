using RaftTimers.Dashboard.Tests.Infrastructure;
using RaftTimers.Node.Dashboard;

namespace RaftTimers.Dashboard.Tests;

/// <summary>The members overview's sharing: a burst of callers costs one fetch (one round of GET /cluster to the members).</summary>
public sealed class SharedFetchTests
{
    [Fact]
    public async Task Parallel_callers_share_one_fetch_and_its_answer_is_reused_for_a_second()
    {
        var clock = new ManualClock();
        var fetches = 0;
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = new SharedFetch<int>(() =>
        {
            Interlocked.Increment(ref fetches);
            return release.Task;
        }, TimeSpan.FromSeconds(1), clock);

        var callers = Enumerable.Range(0, 200).Select(_ => Task.Run(shared.GetAsync)).ToArray();
        await Poll.UntilAsync(() => Task.FromResult(fetches), n => n >= 1, TimeSpan.FromSeconds(30), n => $"{n} fetches");
        release.SetResult(42);

        Assert.All(await Task.WhenAll(callers), answer => Assert.Equal(42, answer));
        Assert.Equal(1, fetches);

        // Within a second of its arrival the answer is handed out again; after it, fetched anew.
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(42, await shared.GetAsync());
        Assert.Equal(1, fetches);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(42, await shared.GetAsync());
        Assert.Equal(2, fetches);
    }

    [Fact]
    public async Task A_failed_fetch_is_not_kept()
    {
        var fetches = 0;
        var shared = new SharedFetch<int>(() => ++fetches == 1
            ? Task.FromException<int>(new HttpRequestException("refused"))
            : Task.FromResult(7), TimeSpan.FromSeconds(1), new ManualClock());

        await Assert.ThrowsAsync<HttpRequestException>(shared.GetAsync);
        Assert.Equal(7, await shared.GetAsync());
        Assert.Equal(2, fetches);
    }
}
