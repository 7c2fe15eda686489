using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Carries a fired timer to its receiver. <c>http</c> is built in; the transport named in a timer's
/// callback must be registered, or the create is refused with 400.
/// </summary>
public interface ICallbackTransport
{
    string Name { get; }

    /// <summary>Makes attempt <paramref name="attempt"/>; never throws for a receiver's failure, it reports it.</summary>
    Task<AttemptResult> SendAsync(TimerRecord timer, int attempt, CancellationToken token);
}
