using BenchmarkDotNet.Attributes;
using RaftTimers.Core.Lead;

namespace RaftTimers.Microbenchmarks;

/// <summary>
/// The leader's timing wheel with 100,000 timers due at random times over the next 60 s. Times are per timer
/// (<see cref="BenchmarkAttribute.OperationsPerInvoke"/>).
/// </summary>
/// <remarks>
/// The expiry runs one invocation per iteration (it needs freshly filled wheels), and with the three warmups of
/// <c>--job short</c> its iterations were still getting faster, so this class asks for more whatever the job.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(8)]
[IterationCount(8)]
public class WheelBenchmarks
{
    private const int N = 100_000;
    private const int SpreadMs = 60_000;

    // Expiry empties a wheel, so each iteration fills fresh ones first; several, so one iteration lasts long enough to time.
    private const int WheelsPerIteration = 4;
    private static readonly int TickMs = new LeaderOptions().TickMs;
    private string[] ids = [];
    private long[] dueAtUnixMs = [];
    private readonly List<WheelEntry> expired = new(N);
    private TimingWheel[] full = [];

    [GlobalSetup]
    public void Setup()
    {
        // Seeded, so every run and every process BenchmarkDotNet starts schedules the same due times.
        var random = new Random(42);
        ids = [.. Enumerable.Range(0, N).Select(Sample.Id)];
        dueAtUnixMs = [.. Enumerable.Range(0, N).Select(_ => Sample.StampUnixMs + random.Next(SpreadMs + 1))];
    }

    /// <summary>A fresh wheel per invocation, as a new leader rebuilds it from the state.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public TimingWheel Schedule()
    {
        var wheel = new TimingWheel(Sample.StampUnixMs);
        for (var i = 0; i < N; i++)
            wheel.Schedule(ids[i], 1, dueAtUnixMs[i]);
        return wheel;
    }

    /// <summary>The same, told the number of timers up front, as <c>LeaderRunner</c> does.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public TimingWheel Schedule_into_a_presized_wheel()
    {
        var wheel = new TimingWheel(Sample.StampUnixMs, N);
        for (var i = 0; i < N; i++)
            wheel.Schedule(ids[i], 1, dueAtUnixMs[i]);
        return wheel;
    }

    /// <summary>One operation is a schedule and the cancel of the same timer.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public TimingWheel Schedule_then_cancel()
    {
        var wheel = new TimingWheel(Sample.StampUnixMs);
        for (var i = 0; i < N; i++)
            wheel.Schedule(ids[i], 1, dueAtUnixMs[i]);
        for (var i = 0; i < N; i++)
            wheel.Cancel(ids[i]);
        return wheel;
    }

    [IterationSetup(Target = nameof(Advance_until_all_expired))]
    public void FillWheels() => full = [.. Enumerable.Range(0, WheelsPerIteration).Select(_ => Schedule())];

    /// <summary>
    /// Only the expiry: time moves in steps of the leader's default tick (<see cref="LeaderOptions.TickMs"/>) until
    /// all 100,000 timers have been handed out, as the leader's tick loop calls <see cref="TimingWheel.Advance"/>.
    /// </summary>
    [Benchmark(OperationsPerInvoke = N * WheelsPerIteration)]
    public int Advance_until_all_expired()
    {
        var handedOut = 0;
        foreach (var wheel in full)
        {
            for (var now = Sample.StampUnixMs + TickMs; now < Sample.StampUnixMs + SpreadMs + (2 * TickMs); now += TickMs)
            {
                expired.Clear();
                wheel.Advance(now, expired);
                handedOut += expired.Count;
            }
        }

        return handedOut;
    }
}
