namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Thrown by <see cref="CallbackSockets.ConnectAsync"/> when the <see cref="ICallbackAddressGuard"/> refuses every
/// address a callback's host resolved to. A transport reports it as <see cref="Core.Lead.AttemptResult.Refused"/>,
/// a failure that is not retried (HttpClient wraps it in an <see cref="HttpRequestException"/> first).
/// </summary>
public sealed class CallbackTargetDeniedException(string reason) : IOException(reason);
