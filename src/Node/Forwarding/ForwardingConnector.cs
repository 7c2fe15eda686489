using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using RaftTimers.Cluster.Forwarding;
using RaftTimers.Cluster.Security;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Forwarding;

/// <summary>
/// Opens a follower's forwarding connection to the leader: a TCP connection to the leader's API address (TLS for an
/// <c>https</c> URL), then an HTTP/1.1 upgrade to <see cref="ForwardingFrames.Protocol"/> on <see cref="ForwardingEndpoint.Path"/>
/// with this node's API token, so the channel needs no port or setting of its own and passes the same door as the API.
/// Returns the stream once the leader answered <c>101 Switching Protocols</c>; any other answer is an error naming it.
/// </summary>
public sealed class ForwardingConnector(string? apiToken, string nodeId, ClusterTls? clusterTls = null)
{
    /// <summary>The longest response head accepted before the switch (a 101 is a few dozen bytes).</summary>
    private const int MaxHeadBytes = 8 * 1024;

    public async Task<Stream> ConnectAsync(Uri leader, CancellationToken token)
    {
        if (!string.IsNullOrEmpty(apiToken) && !PeerTrust.MayCarrySecrets(leader))
            throw new IOException(PeerTrust.WhyNotSecret(leader));
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(leader.Host, leader.Port, token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (leader.Scheme == Uri.UriSchemeHttps)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                var options = PeerTrust.ClientOptions(clusterTls);
                options.TargetHost = leader.IdnHost;
                await tls.AuthenticateAsClientAsync(options, token).ConfigureAwait(false);
            }

            await stream.WriteAsync(Request(leader), token).ConfigureAwait(false);
            await stream.FlushAsync(token).ConfigureAwait(false);
            var head = await ReadHeadAsync(stream, token).ConfigureAwait(false);
            var status = StatusOf(head);
            if (status != 101)
                throw new IOException($"the leader answered the forwarding upgrade with {Describe(head, status)}");
            return stream;
        }
        catch
        {
            if (stream is not null)
                await stream.DisposeAsync().ConfigureAwait(false);
            else
                socket.Dispose();
            throw;
        }
    }

    private byte[] Request(Uri leader)
    {
        var text = new StringBuilder()
            .Append("GET ").Append(ForwardingEndpoint.Path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(leader.Authority).Append("\r\n")
            .Append("Connection: Upgrade\r\n")
            .Append("Upgrade: ").Append(ForwardingFrames.Protocol).Append("\r\n")
            .Append(ForwardingEndpoint.NodeHeader).Append(": ").Append(nodeId).Append("\r\n");
        if (!string.IsNullOrEmpty(apiToken))
            text.Append("Authorization: Bearer ").Append(apiToken).Append("\r\n");
        return Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
    }

    /// <summary>
    /// Reads the response head a byte at a time, so that nothing after it (the first frame) is taken from the stream.
    /// Once per connection, so the byte-sized reads cost nothing that matters.
    /// </summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken token)
    {
        var head = new byte[MaxHeadBytes];
        var length = 0;
        while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
        {
            if (length == head.Length)
                throw new IOException($"the leader's answer to the forwarding upgrade has no end within {MaxHeadBytes} bytes");
            if (await stream.ReadAsync(head.AsMemory(length, 1), token).ConfigureAwait(false) == 0)
                throw new IOException("the leader closed the connection during the forwarding upgrade");
            length++;
        }

        return Encoding.ASCII.GetString(head, 0, length);
    }

    private static int StatusOf(string head)
    {
        // "HTTP/1.1 101 Switching Protocols"
        var firstLine = head.AsSpan(0, Math.Max(0, head.IndexOf('\r', StringComparison.Ordinal)));
        var parts = firstLine.ToString().Split(' ', 3);
        return parts.Length >= 2 && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status)
            ? status
            : 0;
    }

    private static string Describe(string head, int status)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith(ApiError.ReasonHeader + ":", StringComparison.OrdinalIgnoreCase))
                return $"{status} ({line[(ApiError.ReasonHeader.Length + 1)..].Trim()})";
        }

        return status == 0 ? "an answer that is not HTTP" : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
