using RaftTimers.Core.Lead;

namespace RaftTimers.Tests;

public sealed class RetryBackoffTests
{
    /// <summary>A random source that always draws the same value, to pin the jitter at its ends.</summary>
    private sealed class FixedRandom(double draw) : Random
    {
        public override double NextDouble() => draw;
    }

    private static DeliveryOptions Options(int initialMs = 1_000, int maxMs = 60_000, double jitter = 0.25)
        => new() { InitialBackoffMs = initialMs, MaxBackoffMs = maxMs, BackoffJitter = jitter };

    private static double BaseMs(DeliveryOptions o, int attempt) => Math.Min(o.InitialBackoffMs * Math.Pow(2, Math.Min(attempt - 1, 30)), o.MaxBackoffMs);

    [Theory]
    [InlineData(1_000, 60_000)]
    [InlineData(100, 100_000)]
    [InlineData(1, 1 << 20)]
    public void Gaps_grow_after_every_attempt_up_to_and_onto_the_cap_whatever_the_jitter_draws(int initialMs, int maxMs)
    {
        var options = Options(initialMs, maxMs);
        for (var seed = 0; seed < 200; seed++)
        {
            var backoff = new RetryBackoff(options, new Random(seed));
            var previous = backoff.After(1);
            for (var attempt = 2; BaseMs(options, attempt - 1) < maxMs; attempt++)
            {
                var gap = backoff.After(attempt);
                Assert.True(gap > previous, $"seed {seed}: gap after attempt {attempt} ({gap.TotalMilliseconds} ms) is not above the one before ({previous.TotalMilliseconds} ms)");
                previous = gap;
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.25)]
    [InlineData(1.0)]
    public void Every_gap_lies_between_the_jittered_base_and_the_base_and_never_above_the_cap(double jitter)
    {
        var options = Options(jitter: jitter);
        const int seed = 12345;
        var backoff = new RetryBackoff(options, new Random(seed));
        foreach (var attempt in Enumerable.Range(1, 40).Append(int.MaxValue))
        {
            var baseMs = BaseMs(options, attempt);
            var gap = backoff.After(attempt);
            var lowTicks = (long)Math.Floor((1 - jitter) * baseMs * TimeSpan.TicksPerMillisecond);
            Assert.True(gap.Ticks >= lowTicks && gap.Ticks <= (long)(baseMs * TimeSpan.TicksPerMillisecond),
                $"seed {seed}, attempt {attempt}: {gap.TotalMilliseconds} ms outside [{(1 - jitter) * baseMs}, {baseMs}]");
            Assert.True(gap <= TimeSpan.FromMilliseconds(options.MaxBackoffMs), $"attempt {attempt}: {gap} above the cap");
        }
    }

    [Fact]
    public void The_jitter_draw_moves_the_gap_from_the_base_down_to_the_jittered_base()
    {
        var options = Options(initialMs: 1_000, jitter: 0.25);

        Assert.Equal(TimeSpan.FromMilliseconds(4_000), new RetryBackoff(options, new FixedRandom(0)).After(3));
        Assert.Equal(TimeSpan.FromMilliseconds(3_500), new RetryBackoff(options, new FixedRandom(0.5)).After(3));
        Assert.Equal(TimeSpan.FromMilliseconds(60_000 * 0.75), new RetryBackoff(options, new FixedRandom(1)).After(50));
    }

    [Fact]
    public void Without_jitter_the_gap_doubles_up_to_the_cap()
    {
        var backoff = new RetryBackoff(Options(initialMs: 1_000, maxMs: 10_000, jitter: 0), new Random(1));

        Assert.Equal([1_000, 2_000, 4_000, 8_000, 10_000, 10_000], Enumerable.Range(1, 6).Select(a => backoff.After(a).TotalMilliseconds));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Attempts_count_from_one(int attempt)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new RetryBackoff(Options(), new Random(1)).After(attempt));
}
