using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>The run's records grouped by timer id, shared by the checks.</summary>
public sealed class RunIndex
{
    public RunIndex(RunRecord run)
    {
        Run = run;
        OperationsByTimer = run.Operations.GroupBy(o => o.TimerId).ToDictionary(g => g.Key, g => g.OrderBy(o => o.InvokedAtMs).ToList());
        DeliveriesByTimer = run.Deliveries.GroupBy(d => d.TimerId).ToDictionary(g => g.Key, g => g.OrderBy(d => d.ArrivedAtMs).ToList());
        StatesByTimer = run.FinalStates.GroupBy(s => s.TimerId).ToDictionary(g => g.Key, g => g.ToList());
        Nodes = run.FinalStates.Select(s => s.Node).Distinct().Order().ToList();
    }

    public RunRecord Run { get; }

    public IReadOnlyDictionary<string, List<Operation>> OperationsByTimer { get; }

    public IReadOnlyDictionary<string, List<DeliveryRecord>> DeliveriesByTimer { get; }

    public IReadOnlyDictionary<string, List<NodeTimer>> StatesByTimer { get; }

    public IReadOnlyList<string> Nodes { get; }

    public IEnumerable<string> AllTimerIds => OperationsByTimer.Keys.Union(DeliveriesByTimer.Keys).Union(StatesByTimer.Keys);

    public List<Operation> Ops(string id) => OperationsByTimer.GetValueOrDefault(id) ?? [];

    public List<DeliveryRecord> DeliveriesOf(string id) => DeliveriesByTimer.GetValueOrDefault(id) ?? [];

    public List<NodeTimer> StatesOf(string id) => StatesByTimer.GetValueOrDefault(id) ?? [];

    public static bool IsFired(string state) => state is "firing" or "delivered" or "failed";
}
