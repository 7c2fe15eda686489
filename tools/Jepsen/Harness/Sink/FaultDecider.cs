namespace RaftTimers.JepsenLike.Sink;

/// <summary>
/// The fault plan with its dice: one seeded <see cref="Random"/> shared by every request the sink serves
/// (Kestrel calls <see cref="Decide"/> from many threads), so a run's draws follow from its seed. Which request
/// gets which draw still depends on arrival order, which no seed controls.
/// </summary>
public sealed class FaultDecider(FaultPlan plan, int seed)
{
    private readonly Random random = new(seed);
    private readonly Lock gate = new();

    public FaultPlan Plan { get; } = plan;

    public SinkDecision Decide(double atMs)
    {
        double draw;
        lock (gate)
            draw = random.NextDouble();
        return Plan.Decide(atMs, draw);
    }
}
