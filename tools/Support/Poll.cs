using System.Diagnostics;

namespace RaftTimers.Support;

/// <summary>Polls a condition until it holds or a generous deadline passes — waiting for an event, never sleeping a fixed time.</summary>
public static class Poll
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<T, string> explain)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value))
                return value;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"not reached within {timeout}: {explain(value)}");
            await Task.Delay(Interval);
        }
    }
}
