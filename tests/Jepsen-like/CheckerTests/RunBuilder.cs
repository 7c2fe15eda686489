using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.CheckerTests;

/// <summary>Hand-made runs for the checker's own tests: operations, callbacks and final node states, in ms.</summary>
internal sealed class RunBuilder
{
    private readonly List<Operation> ops = [];
    private readonly List<DeliveryRecord> deliveries = [];
    private readonly List<NodeTimer> states = [];
    private readonly List<FaultWindow> faults = [];
    private int process;

    public static readonly string[] Nodes = ["n1", "n2", "n3"];

    public RunBuilder Op(OpFunction f, string id, double invoked, double completed, OpOutcome outcome, int status,
        long timeoutMs = 0, string? body = null, long? version = null, string? state = null)
    {
        ops.Add(new Operation(process++ % 8, f, id, invoked, completed, outcome, status, timeoutMs, body, version, state));
        return this;
    }

    public RunBuilder Create(string id, double invoked, double completed, long timeoutMs, string body = "b1", OpOutcome outcome = OpOutcome.Ok, int status = 201)
        => Op(OpFunction.Create, id, invoked, completed, outcome, outcome == OpOutcome.Info ? 0 : status, timeoutMs, body, outcome == OpOutcome.Ok ? 1 : null);

    public RunBuilder Delivered(string id, long version, double arrived, int attempt = 1, int status = 200, string? key = null)
    {
        deliveries.Add(new DeliveryRecord(id, key ?? $"{id}:{version}:1", attempt, arrived, status));
        return this;
    }

    /// <summary>The same final state on every node.</summary>
    public RunBuilder Final(string id, string state, long version, double dueAt, long firedAtIndex = 0, int fireCount = -1)
    {
        var fired = state is "firing" or "delivered" or "failed";
        foreach (var node in Nodes)
            states.Add(new NodeTimer(node, id, state, version, dueAt, fired ? (firedAtIndex == 0 ? 7 : firedAtIndex) : 0, fireCount >= 0 ? fireCount : fired ? 1 : 0));
        return this;
    }

    public RunBuilder FinalOn(string node, string id, string state, long version, double dueAt, long firedAtIndex, int fireCount)
    {
        states.Add(new NodeTimer(node, id, state, version, dueAt, firedAtIndex, fireCount));
        return this;
    }

    public RunBuilder Fault(string kind, double start, double end)
    {
        faults.Add(new FaultWindow(kind, "n1", start, end));
        return this;
    }

    public RunRecord Build(double healedAt = 0, double observedUntil = 100_000)
        => new(ops, deliveries, states, faults, healedAt, observedUntil);
}
