using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Carries a fired timer to its receiver: the plug-in interface of delivery (docs/transports.md). <c>http</c> and
/// <c>tcp</c> are built in; more are loaded from configuration (<see cref="TransportPlugins"/>). A create whose
/// <c>callback.transport</c> names no registered transport, or whose URI the transport does not accept, is a 400.
/// One instance serves every delivery on the node, from many threads at once.
/// </summary>
public interface ICallbackTransport
{
    /// <summary>The name timers give as <c>callback.transport</c>: lowercase letters, digits and <c>-</c>, at most 32 characters.</summary>
    string Name { get; }

    /// <summary>What a callback URI of this transport looks like, for the 400's reason: "an absolute tcp://host:port URI".</summary>
    string TargetShape { get; }

    /// <summary>
    /// Whether <paramref name="target"/> (an absolute URI) is one this transport can deliver to; checked at create and
    /// replace time, without I/O. The node's callback policy then checks its host.
    /// </summary>
    bool Accepts(Uri target);

    /// <summary>
    /// Makes attempt <paramref name="attempt"/> (1 for the first) of delivering <paramref name="timer"/>; never throws
    /// for a receiver's failure, it reports it. <see cref="AttemptResult.Success"/> means the receiver has the callback;
    /// a failure is retried with backoff until the attempts run out, unless it is <see cref="AttemptResult.Refused"/>.
    /// The same firing may be attempted again after a success that was not recorded (a leader change), so a receiver
    /// deduplicates on <see cref="TimerRecord.IdempotencyKey"/> where the transport can carry it.
    /// <paramref name="token"/> is cancelled when this node stops leading: stop at once, the next leader attempts again.
    /// </summary>
    Task<AttemptResult> SendAsync(TimerRecord timer, int attempt, CancellationToken token);
}
