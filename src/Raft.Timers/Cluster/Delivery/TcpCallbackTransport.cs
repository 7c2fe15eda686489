using System.Net.Sockets;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Delivers a timer as Skyring's tcp transport does, the payload written to a TCP connection (docs/transports.md):
/// one connection to <c>tcp://host:port</c> per attempt, the timer's data written as it is stored (a string's UTF-8,
/// an object's JSON text, nothing when absent), then the sending side closed. The receiver acknowledges by closing
/// its side once it has read to the end; that orderly close within the attempt timeout is success (a reset that follows
/// it does not undo it: the close arrived first). A reset before the close, a refused
/// connection or no close in time is a failure and is retried, so a receiver may see a payload more than once.
/// The connection goes through <see cref="CallbackSockets"/>, so the callback policy holds here as for http.
/// </summary>
public sealed class TcpCallbackTransport(DeliveryOptions options, ICallbackAddressGuard? guard = null) : ICallbackTransport
{
    public const string TransportName = "tcp";

    private readonly TimeSpan attemptTimeout = TimeSpan.FromMilliseconds(options.AttemptTimeoutMs);

    public string Name => TransportName;

    public string TargetShape => "an absolute tcp://host:port URI, with a port and nothing after it";

    public bool Accepts(Uri target)
        => target.Scheme == TransportName && !string.IsNullOrEmpty(target.Host) && target.Port is > 0 and <= 65535
           && target.AbsolutePath == "/" && target.Query.Length == 0 && target.Fragment.Length == 0 && target.UserInfo.Length == 0;

    public async Task<AttemptResult> SendAsync(TimerRecord timer, int attempt, CancellationToken token)
    {
        var target = new Uri(timer.Spec.Callback.Uri);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(attemptTimeout);
        try
        {
            using var socket = await CallbackSockets.ConnectAsync(target.Host, target.Port, guard, timeout.Token).ConfigureAwait(false);
            await socket.SendAsync(timer.Spec.Data.Utf8, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);

            // Whatever the receiver writes back is read and dropped; its close is the answer.
            var buffer = new byte[256];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false) > 0)
            {
            }

            return AttemptResult.Success;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return AttemptResult.Failure($"the receiver did not close the connection within {attemptTimeout.TotalMilliseconds:0} ms");
        }
        catch (CallbackTargetDeniedException denied)
        {
            return AttemptResult.Refused($"callback target denied: {denied.Message}");
        }
        catch (SocketException e)
        {
            return AttemptResult.Failure(ReceiverText.Clean($"tcp {e.SocketErrorCode}: {e.Message}"));
        }
    }
}
