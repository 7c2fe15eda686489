namespace RaftTimers.Node.Dashboard;

/// <summary>
/// One fetch shared by every caller: callers that come while it runs wait for the same task, and its answer is handed
/// out again until <paramref name="freshFor"/> has passed since it arrived. A fetch that failed is not kept: the next
/// caller starts another. The fetch gets no caller's cancellation (one caller leaving must not fail the others): it
/// must bound its own time.
/// </summary>
internal sealed class SharedFetch<T>(Func<Task<T>> fetch, TimeSpan freshFor, TimeProvider clock)
{
    private readonly Lock gate = new();
    private Task<T>? current;
    private long arrivedAt;

    /// <summary>How many fetches were started.</summary>
    public int Started { get; private set; }

    public Task<T> GetAsync()
    {
        lock (gate)
        {
            if (current is null || (current.IsCompleted
                && (!current.IsCompletedSuccessfully || clock.GetElapsedTime(Volatile.Read(ref arrivedAt)) >= freshFor)))
            {
                Started++;
                current = RunAsync();
            }

            return current;
        }
    }

    private async Task<T> RunAsync()
    {
        // Off the caller's thread at once, so the fetch never runs inside the lock above.
        await Task.Yield();
        try
        {
            return await fetch().ConfigureAwait(false);
        }
        finally
        {
            // Written before the task completes, so a caller that sees it completed reads this arrival.
            Volatile.Write(ref arrivedAt, clock.GetTimestamp());
        }
    }
}
