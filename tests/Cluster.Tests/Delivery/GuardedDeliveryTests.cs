using System.Net;
using System.Net.Sockets;
using System.Text;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// <see cref="HttpCallbackTransport"/> with an <see cref="ICallbackAddressGuard"/>: the guard sees the address a
/// host name resolved to, a refused target is a permanent failure and no connection is ever opened to it, and
/// an allowed one is delivered through the guarded connect step.
/// </summary>
public sealed class GuardedDeliveryTests
{
    /// <summary>Refuses the addresses it was given and records every question it was asked.</summary>
    private sealed class DenyAddresses(params IPAddress[] denied) : ICallbackAddressGuard
    {
        public List<(string Host, IPAddress Address)> Asked { get; } = [];

        public string? WhyDenied(string host, IPAddress address, int port)
        {
            lock (Asked)
                Asked.Add((host, address));
            return denied.Contains(address) ? $"{address} is on the test's deny list" : null;
        }
    }

    private static TimerRecord Timer(string uri)
        => new("guarded", 1, TimerStatus.Firing, 0, 0, new TimerSpec(1000, new CallbackSpec("http", "post", uri), TimerData.None), 0, null, 0);

    private static DeliveryOptions Options => new() { AttemptTimeoutMs = 10_000 };

    [Fact]
    public async Task A_host_name_whose_every_address_is_refused_fails_permanently_without_a_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var guard = new DenyAddresses(IPAddress.Loopback, IPAddress.IPv6Loopback);
        using var transport = new HttpCallbackTransport(Options, guard);

        var result = await transport.SendAsync(Timer($"http://localhost:{port}/hook"), 1, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.True(result.Permanent, result.Error);
        Assert.StartsWith("callback target denied: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("is on the test's deny list", result.Error, StringComparison.Ordinal);
        Assert.Contains(guard.Asked, a => a.Host == "localhost" && IPAddress.IsLoopback(a.Address));
        Assert.False(listener.Pending(), "a connection reached the refused address");
    }

    [Fact]
    public async Task A_refused_ip_literal_fails_permanently_without_a_dns_lookup_or_a_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var guard = new DenyAddresses(IPAddress.Loopback);
        using var transport = new HttpCallbackTransport(Options, guard);

        var result = await transport.SendAsync(Timer($"http://127.0.0.1:{port}/hook"), 1, CancellationToken.None);

        Assert.True(result.Permanent, result.Error);
        Assert.Equal([("127.0.0.1", IPAddress.Loopback)], guard.Asked);
        Assert.False(listener.Pending(), "a connection reached the refused address");
    }

    [Fact]
    public async Task An_allowed_target_is_delivered_through_the_guarded_connect_step()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var guard = new DenyAddresses(IPAddress.Parse("169.254.169.254"));
        using var transport = new HttpCallbackTransport(Options, guard);

        var answered = AnswerOneRequestAsync(listener);
        var result = await transport.SendAsync(Timer($"http://127.0.0.1:{port}/hook"), 1, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.StartsWith("POST /hook HTTP/1.1", await answered, StringComparison.Ordinal);
        Assert.Equal([("127.0.0.1", IPAddress.Loopback)], guard.Asked);
    }

    [Fact]
    public async Task An_allowed_address_that_does_not_answer_is_an_ordinary_retryable_failure()
    {
        // A port nothing listens on: bind one, note it, close it.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var transport = new HttpCallbackTransport(Options, new DenyAddresses());
        var result = await transport.SendAsync(Timer($"http://127.0.0.1:{port}/hook"), 1, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.False(result.Permanent, result.Error);
        Assert.StartsWith("request failed: ", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Reads one request's head and sends <paramref name="answer"/> (Latin-1 bytes; by default 200 with no body); returns the request head.</summary>
    internal static async Task<string> AnswerOneRequestAsync(TcpListener listener,
        string answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
                break;
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await stream.WriteAsync(Encoding.Latin1.GetBytes(answer));
        client.Client.Shutdown(SocketShutdown.Send);
        return head.ToString();
    }
}
