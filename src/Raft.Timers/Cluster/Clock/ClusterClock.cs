using Microsoft.Extensions.Logging;

namespace RaftTimers.Cluster.Clock;

/// <summary>What a majority of the members' clocks say of this node's clock.</summary>
public enum ClockVerdict
{
    /// <summary>A majority of the members (this one included) have clocks within the skew of this node's, by fresh samples.</summary>
    Agrees,

    /// <summary>Too few fresh samples to tell either way: members unreachable, or this node's clock just stepped.</summary>
    Unknown,

    /// <summary>A majority of the members agree among themselves and this node's clock is outside the skew of every one of them.</summary>
    Outlier,
}

/// <summary>Another member's clock as last sampled: its offset from this node's (theirs minus ours) and how precise that is.</summary>
/// <param name="OffsetMs">The member's wall clock minus this node's, at the middle of the round trip.</param>
/// <param name="RoundTripMs">The round trip of the sample; the offset is right within half of it either way.</param>
/// <param name="TakenAt">This node's monotonic timestamp when the sample was asked for.</param>
public readonly record struct ClockSample(long OffsetMs, long RoundTripMs, long TakenAt);

/// <summary>
/// This node's time as the cluster sees it (docs/clocks.md). Two jobs, one lock:
/// <list type="bullet">
/// <item>Steps: every read compares the wall clock's progress with the monotonic clock's. A step (NTP correcting a
/// wrong clock, an operator, a fault) is logged and counted, and not followed: <see cref="Read"/> keeps giving the
/// time as it ran before the step until a majority of members, sampled after it, confirm the stepped clock. So a node
/// whose clock jumps an hour ahead neither fires that hour of timers nor stamps entries an hour ahead, which would make
/// every later leader wait out the hour before firing.</item>
/// <item>Agreement: the samples of the other members' clocks, fed by the host's sampler, give the
/// <see cref="Verdict"/>: only a node whose clock a majority confirms may fire (<see cref="MayFire"/>), and an
/// <see cref="ClockVerdict.Outlier"/> should not lead at all.</item>
/// </list>
/// Pure arithmetic over what the host feeds it and the <see cref="TimeProvider"/> it is given; it does no I/O.
/// </summary>
public sealed partial class ClusterClock
{
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, ClockSample> samples = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim sampleWanted = new(0, 1);
    private string[]? peers; // null until the node knows its members: no verdict before that
    private bool started;
    private long lastWallMs;
    private long lastTimestamp;
    private long correctionMs;
    private long trustSince = long.MinValue;
    private bool confirmed;
    private bool distrusted;
    private long steps;
    private long stampsAhead;
    private long nextStampWarning = long.MinValue;

    public ClusterClock(ClockOptions options, TimeProvider time, ILogger logger)
    {
        options.Validate();
        Options = options;
        this.time = time;
        this.logger = logger;
    }

    public ClockOptions Options { get; }

    /// <summary>The clock read: wall time for offsets and stamps, monotonic time for ages and steps.</summary>
    public TimeProvider Time => time;

    /// <summary>Steps of this node's wall clock seen so far.</summary>
    public long Steps => Interlocked.Read(ref steps);

    /// <summary>Applied entries stamped further ahead of this node's clock than the skew allows (see <see cref="CheckStamp"/>).</summary>
    public long StampsAhead => Interlocked.Read(ref stampsAhead);

    /// <summary>How far the time given by <see cref="Read"/> is from the wall clock, while a step waits for confirmation; 0 otherwise.</summary>
    public long CorrectionMs
    {
        get
        {
            lock (gate)
                return correctionMs;
        }
    }

    /// <summary>
    /// This node's wall clock (<c>Raw</c>, what other members compare with) and the time it may act on
    /// (<c>Trusted</c>): the wall clock, less any step a majority has not confirmed yet.
    /// </summary>
    public (long Raw, long Trusted) Read()
    {
        var before = time.GetTimestamp();
        var wall = time.GetUtcNow().ToUnixTimeMilliseconds();
        var now = time.GetTimestamp();
        // A pause between the two clock reads (a GC, the thread descheduled) would look like a step; such a reading is
        // not compared, and does not become the next reading's baseline.
        var precise = time.GetElapsedTime(before, now).TotalMilliseconds < Options.JumpThresholdMs / 4.0;
        long step = 0;
        long trusted;
        lock (gate)
        {
            if (started && precise)
            {
                var expected = lastWallMs + (long)time.GetElapsedTime(lastTimestamp, now).TotalMilliseconds;
                if (Math.Abs(wall - expected) > Options.JumpThresholdMs)
                {
                    step = wall - expected;
                    correctionMs -= step;
                    // Samples taken before the step compared the old clock: none of them may confirm the new one.
                    trustSince = now;
                    confirmed = false;
                    steps++;
                }
            }

            if (precise || !started)
            {
                started = true;
                lastWallMs = wall;
                lastTimestamp = now;
            }

            if (correctionMs != 0 && EvaluateLocked(now) == ClockVerdict.Agrees)
            {
                LogStepConfirmed(-correctionMs);
                correctionMs = 0;
            }

            trusted = wall + correctionMs;
        }

        if (step != 0)
        {
            LogStepped(step, Options.MaxSkewMs);
            WantSample();
        }

        return (wall, trusted);
    }

    /// <summary>The members other than this one, by a key stable for each (its Raft address); samples of others are dropped.</summary>
    public void SetPeers(IReadOnlyCollection<string> keys)
    {
        lock (gate)
        {
            peers = [.. keys];
            foreach (var gone in samples.Keys.Where(k => !keys.Contains(k)).ToList())
                samples.Remove(gone);
        }
    }

    /// <summary>
    /// A sample of a member's clock: this node's wall clock read just before asking (<paramref name="sentWallMs"/>, at monotonic
    /// <paramref name="sentAt"/>) and just after the answer (<paramref name="receivedAt"/>), and the member's wall clock in its answer.
    /// </summary>
    public ClockSample Record(string peer, long sentWallMs, long sentAt, long receivedAt, long peerWallMs)
    {
        // This node's wall clock at the middle of the round trip, by the monotonic clock: a step of the wall clock during
        // the round trip is then caught by Read rather than bent into the offset.
        var roundTripMs = (long)time.GetElapsedTime(sentAt, receivedAt).TotalMilliseconds;
        var sample = new ClockSample(peerWallMs - (sentWallMs + (roundTripMs / 2)), roundTripMs, sentAt);
        lock (gate)
        {
            if (peers?.Contains(peer) == true)
                samples[peer] = sample;
        }

        return sample;
    }

    /// <summary>What a majority of the members' clocks say of this node's, by the samples still fresh.</summary>
    public ClockVerdict Verdict
    {
        get
        {
            var now = time.GetTimestamp();
            lock (gate)
                return EvaluateLocked(now);
        }
    }

    /// <summary>
    /// Judged an outlier and not confirmed since: such a node stamps nothing and does not campaign, even once samples
    /// going stale leave the verdict <see cref="ClockVerdict.Unknown"/>; only a majority's confirmation lifts it.
    /// </summary>
    public bool Distrusted => Evaluated().Distrusted;

    /// <summary>
    /// Whether this node may fire timers: a majority confirmed its clock since it started and since its last step, and
    /// fresh samples do not make it an outlier now. Samples going stale (members slow to answer under load, or
    /// unreachable) do not withdraw a confirmation: a step would be seen at once by <see cref="Read"/>, and a drift slow
    /// enough to escape it is caught by the next fresh samples.
    /// </summary>
    public bool MayFire => Evaluated().Confirmed;

    private (bool Confirmed, bool Distrusted) Evaluated()
    {
        var now = time.GetTimestamp();
        lock (gate)
        {
            EvaluateLocked(now);
            return (confirmed, distrusted);
        }
    }

    /// <summary>
    /// Waits until this node's clock is confirmed or judged an outlier, at most <paramref name="limit"/>: a new leader
    /// does this before it stamps anything, so that a node started with a wrong clock is found out by the first round
    /// of samples instead of stamping entries with it. Past the limit (members too slow to answer) it goes on unconfirmed.
    /// </summary>
    public async Task WaitForVerdictAsync(TimeSpan limit, CancellationToken token)
    {
        var started = time.GetTimestamp();
        while (!MayFire && Verdict != ClockVerdict.Outlier && time.GetElapsedTime(started) < limit)
            await Task.Delay(TimeSpan.FromMilliseconds(10), time, token).ConfigureAwait(false);
    }

    /// <summary>The fresh samples, by member key, for <c>/cluster</c> and the metrics.</summary>
    public IReadOnlyDictionary<string, ClockSample> Samples()
    {
        var now = time.GetTimestamp();
        lock (gate)
            return samples.Where(s => IsFresh(s.Value, now)).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
    }

    /// <summary>Asks the sampler for a round now rather than at its next interval (after a step, or as a term begins).</summary>
    public void WantSample()
    {
        lock (gate)
        {
            if (sampleWanted.CurrentCount == 0)
                sampleWanted.Release();
        }
    }

    /// <summary>For the sampler: waits for <paramref name="interval"/> or until a round is wanted sooner.</summary>
    public async Task WaitForNextRoundAsync(TimeSpan interval, CancellationToken token)
        => await sampleWanted.WaitAsync(interval, token).ConfigureAwait(false);

    /// <summary>
    /// Flags an applied entry whose leader's stamp lies further ahead of this node's wall clock than the skew: the leader's
    /// clock runs ahead of this one's. Only flagged (counted, logged at most every ten seconds), never refused: applying
    /// must give the same state on every node whatever their clocks say.
    /// </summary>
    public void CheckStamp(long index, long stampUnixMs)
    {
        var aheadMs = stampUnixMs - time.GetUtcNow().ToUnixTimeMilliseconds();
        if (aheadMs <= Options.MaxSkewMs)
            return;
        Interlocked.Increment(ref stampsAhead);
        var now = time.GetTimestamp();
        lock (gate)
        {
            if (now < nextStampWarning)
                return;
            nextStampWarning = now + (10 * time.TimestampFrequency);
        }

        LogStampAhead(index, aheadMs, Options.MaxSkewMs);
    }

    private bool IsFresh(ClockSample sample, long now)
        => sample.TakenAt >= trustSince && time.GetElapsedTime(sample.TakenAt, now).TotalMilliseconds <= Options.SampleMaxAgeMs;

    /// <summary>The verdict now, remembered: an agreement confirms the clock, an outlier verdict distrusts it until the next agreement.</summary>
    private ClockVerdict EvaluateLocked(long now)
    {
        var verdict = JudgeLocked(now);
        switch (verdict)
        {
            case ClockVerdict.Agrees:
                confirmed = true;
                distrusted = false;
                break;
            case ClockVerdict.Outlier:
                confirmed = false;
                distrusted = true;
                break;
        }

        return verdict;
    }

    private ClockVerdict JudgeLocked(long now)
    {
        if (peers is null)
            return ClockVerdict.Unknown;
        Span<ClockSample> fresh = stackalloc ClockSample[Math.Min(peers.Length, 64)];
        var count = 0;
        foreach (var peer in peers)
        {
            if (count < fresh.Length && samples.TryGetValue(peer, out var sample) && IsFresh(sample, now))
                fresh[count++] = sample;
        }

        return Judge(peers.Length + 1, fresh[..count], Options.MaxSkewMs);
    }

    /// <summary>
    /// The verdict on this node's clock from fresh samples of other members' clocks, in a cluster of <paramref name="members"/>
    /// (this node included). A sample agrees unless its offset is outside the skew by more than half its round trip
    /// (the sample's own uncertainty); this node is an outlier only when a majority of members, none agreeing with it, lie
    /// within the skew of one another, so that of two disagreeing halves neither side blames the other.
    /// </summary>
    public static ClockVerdict Judge(int members, ReadOnlySpan<ClockSample> fresh, long maxSkewMs)
    {
        var majority = (members / 2) + 1;
        var agreeing = 1;
        Span<long> outside = stackalloc long[fresh.Length];
        Span<long> slack = stackalloc long[fresh.Length];
        var outsideCount = 0;
        foreach (var sample in fresh)
        {
            var uncertainty = (sample.RoundTripMs + 1) / 2;
            if (Math.Abs(sample.OffsetMs) - uncertainty <= maxSkewMs)
            {
                agreeing++;
            }
            else
            {
                outside[outsideCount] = sample.OffsetMs;
                slack[outsideCount++] = uncertainty;
            }
        }

        if (agreeing >= majority)
            return ClockVerdict.Agrees;

        // The largest group of disagreeing members whose clocks lie within the skew of the lowest among them.
        for (var i = 0; i < outsideCount; i++)
        {
            var group = 0;
            for (var j = 0; j < outsideCount; j++)
            {
                var apart = outside[j] - outside[i];
                if (apart >= 0 && apart - slack[i] - slack[j] <= maxSkewMs)
                    group++;
            }

            if (group >= majority)
                return ClockVerdict.Outlier;
        }

        return ClockVerdict.Unknown;
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "The wall clock stepped by {StepMs} ms against the monotonic clock; leading on the time before the step until a majority of members confirm the new one (skew allowed {MaxSkewMs} ms)")]
    private partial void LogStepped(long stepMs, long maxSkewMs);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "A majority of members confirm the wall clock after its step; following it again ({StepMs} ms)")]
    private partial void LogStepConfirmed(long stepMs);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Entry {Index} is stamped {AheadMs} ms ahead of this node's clock (skew allowed {MaxSkewMs} ms): the leader's clock or this one is wrong")]
    private partial void LogStampAhead(long index, long aheadMs, long maxSkewMs);
}
