using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A "node" that accepts connections and reads each request's headers but never answers, as a node does that hangs or
/// dies after a request was sent: what the client then does is the unknown-outcome case. Records what it was sent.
/// </summary>
internal sealed class SilentNode : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpClient> connections = [];
    private readonly List<IReadOnlyDictionary<string, string>> requests = [];
    private readonly Task accepting;

    private SilentNode()
    {
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        accepting = AcceptAsync();
    }

    public string Url { get; }

    /// <summary>The headers of every request read so far (names lower-case), plus "request-line".</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Requests
    {
        get
        {
            lock (requests)
                return requests.ToList();
        }
    }

    public static SilentNode Start() => new();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                lock (connections)
                    connections.Add(client);
                _ = ReadHeadersAsync(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReadHeadersAsync(TcpClient client)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            var stream = client.GetStream();
            while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, stop.Token);
                if (read == 0)
                    return;
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return;
        }

        var lines = received.ToString()[..received.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        var headers = new Dictionary<string, string> { ["request-line"] = lines[0] };
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
                headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        lock (requests)
            requests.Add(headers);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await accepting;
        lock (connections)
        {
            foreach (var connection in connections)
                connection.Dispose();
        }

        stop.Dispose();
    }
}
