namespace RaftTimers.Dashboard.Tests.Infrastructure;

/// <summary>A clock that moves only when a test moves it (timestamps in milliseconds).</summary>
internal sealed class ManualClock : TimeProvider
{
    private long nowMs = 1_000_000;

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp() => Interlocked.Read(ref nowMs);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref nowMs));

    public void Advance(TimeSpan by) => Interlocked.Add(ref nowMs, (long)by.TotalMilliseconds);
}
