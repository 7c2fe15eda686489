namespace RaftTimers.Node.Http;

/// <summary>
/// Bounds how many timer writes (create, replace, cancel) one node handles at once
/// (<c>RaftTimers:MaxInFlightWrites</c>); the endpoint answers 429 with <c>Retry-After</c> beyond it, before
/// reading the body or proposing anything, so a refused request has no effect. A write holds its slot from
/// the moment its headers arrive until its answer is written, forwarding to the leader included, which also
/// bounds the request bodies held in memory (limit times <c>MaxBodyBytes</c>). A follower and the leader each
/// count: a write forwarded to the leader takes a slot on both.
/// One interlocked counter: no lock and no allocation on the request path.
/// </summary>
public sealed class InFlightLimit(int max)
{
    private int current;

    public int Max { get; } = max;

    /// <summary>Takes a slot; false when all <see cref="Max"/> are taken. Every true must be paired with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref current) <= Max)
            return true;
        Interlocked.Decrement(ref current);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref current);

    /// <summary>The reason of a 429 at this limit, the same whether the client's node or the leader refused.</summary>
    public string OverLimitReason => $"this node is handling its limit of {Max} timer writes at once; retry shortly";
}
