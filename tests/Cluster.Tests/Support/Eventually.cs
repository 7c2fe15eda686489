namespace RaftTimers.Tests;

/// <summary>Waits for a condition that a background loop makes true, with a generous deadline instead of a fixed sleep.</summary>
internal static class Eventually
{
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? TimeSpan.FromSeconds(30);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < limit, $"waited {limit.TotalSeconds:F0} s for {what}");
            await Task.Delay(10);
        }
    }
}
