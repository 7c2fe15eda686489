namespace RaftTimers.Cluster.Forwarding;

/// <summary>What a node's forwarding connections sent: frames, and the writes in them (their ratio is how well forwarding batches).</summary>
public sealed class ForwardingCounters
{
    private long frames;
    private long writes;

    public long Frames => Interlocked.Read(ref frames);

    public long Writes => Interlocked.Read(ref writes);

    internal void Sent(int writesInFrame)
    {
        Interlocked.Increment(ref frames);
        Interlocked.Add(ref writes, writesInFrame);
    }
}
