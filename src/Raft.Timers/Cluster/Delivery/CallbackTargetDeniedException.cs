namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Thrown by <see cref="GuardedConnector"/> when the <see cref="ICallbackAddressGuard"/> refuses every address a
/// callback's host resolved to. HttpClient wraps it in an <see cref="HttpRequestException"/>;
/// <see cref="HttpCallbackTransport"/> unwraps it into a failure that is not retried.
/// </summary>
internal sealed class CallbackTargetDeniedException(string reason) : IOException(reason);
