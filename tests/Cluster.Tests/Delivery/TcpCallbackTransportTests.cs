using System.Net;
using System.Net.Sockets;
using System.Text;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// <see cref="TcpCallbackTransport"/> against real loopback sockets: the payload arrives byte for byte followed by the
/// end of the stream, the receiver's close is the success, and a reset, a refused connection, a receiver that never
/// closes and a target the callback policy refuses are failures (the last one permanent, with no connection made).
/// </summary>
public sealed class TcpCallbackTransportTests
{
    private static TimerRecord Timer(int port, TimerData data)
        => new("tcp-timer", 1, TimerStatus.Firing, 0, 0, new TimerSpec(1000, new CallbackSpec("tcp", "post", $"tcp://127.0.0.1:{port}"), data), 0, null, 0);

    private static (TcpListener Listener, int Port) Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (listener, ((IPEndPoint)listener.LocalEndpoint).Port);
    }

    /// <summary>Reads one connection to its end, then closes it: a receiver that acknowledges.</summary>
    private static async Task<byte[]> ReceiveOneAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        using var buffer = new MemoryStream();
        await client.GetStream().CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    [InlineData("none")]
    public async Task The_payload_arrives_as_stored_and_the_receivers_close_is_success(string kind)
    {
        var (listener, port) = Listen();
        using var _ = listener;
        var data = kind switch
        {
            "text" => new TimerData(TimerDataKind.Text, Encoding.UTF8.GetBytes("job-7 ✓")),
            "json" => new TimerData(TimerDataKind.Json, Encoding.UTF8.GetBytes("""{"order":42}""")),
            _ => TimerData.None,
        };
        var received = ReceiveOneAsync(listener);

        var result = await new TcpCallbackTransport(new DeliveryOptions { AttemptTimeoutMs = 10_000 }).SendAsync(Timer(port, data), 1, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(data.Utf8.ToArray(), await received.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_receiver_that_never_closes_is_a_failure_after_the_attempt_timeout()
    {
        var (listener, port) = Listen();
        using var _ = listener;
        var accepted = listener.AcceptTcpClientAsync();

        var result = await new TcpCallbackTransport(new DeliveryOptions { AttemptTimeoutMs = 300 }).SendAsync(Timer(port, new TimerData(TimerDataKind.Text, "x"u8.ToArray())), 1, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.False(result.Permanent);
        Assert.Contains("did not close the connection within 300 ms", result.Error, StringComparison.Ordinal);
        (await accepted).Dispose();
    }

    [Fact]
    public async Task A_receiver_that_resets_the_connection_before_taking_the_data_is_a_failure()
    {
        var (listener, port) = Listen();
        using var _ = listener;
        var reset = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            client.Client.LingerState = new LingerOption(true, 0); // close with RST
        });

        // More than the loopback socket buffers hold, so the reset meets the sender still writing: a receiver that
        // resets after reading to the end may close first, and its close is then the acknowledgement.
        var data = new TimerData(TimerDataKind.Text, new byte[64 << 20]);
        var result = await new TcpCallbackTransport(new DeliveryOptions { AttemptTimeoutMs = 10_000 }).SendAsync(Timer(port, data), 1, CancellationToken.None);
        await reset;

        Assert.False(result.Succeeded);
        Assert.False(result.Permanent);
        Assert.StartsWith("tcp ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_listener_is_a_retryable_failure()
    {
        var (listener, port) = Listen();
        listener.Stop();

        var result = await new TcpCallbackTransport(new DeliveryOptions { AttemptTimeoutMs = 10_000 }).SendAsync(Timer(port, new TimerData(TimerDataKind.Text, "x"u8.ToArray())), 1, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.False(result.Permanent);
        Assert.Contains("ConnectionRefused", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_the_policy_refuses_fails_permanently_without_a_connection()
    {
        var (listener, port) = Listen();
        using var _ = listener;
        var guard = new DenyLoopback();

        var result = await new TcpCallbackTransport(new DeliveryOptions { AttemptTimeoutMs = 10_000 }, guard).SendAsync(Timer(port, new TimerData(TimerDataKind.Text, "x"u8.ToArray())), 1, CancellationToken.None);

        Assert.True(result.Permanent, result.Error);
        Assert.Equal("callback target denied: loopback is refused here", result.Error);
        Assert.False(listener.Pending(), "a connection reached the refused address");
    }

    [Theory]
    [InlineData("tcp://10.0.0.1:5555", true)]
    [InlineData("tcp://receiver.example:1", true)]
    [InlineData("tcp://[::1]:5555", true)]
    [InlineData("tcp://10.0.0.1", false)]
    [InlineData("tcp://10.0.0.1:5555/x", false)]
    [InlineData("tcp://10.0.0.1:5555?x", false)]
    [InlineData("tcp://user@10.0.0.1:5555", false)]
    [InlineData("http://10.0.0.1:5555", false)]
    public void Only_a_host_and_port_is_a_target(string uri, bool accepted)
        => Assert.Equal(accepted, new TcpCallbackTransport(new DeliveryOptions()).Accepts(new Uri(uri)));

    private sealed class DenyLoopback : ICallbackAddressGuard
    {
        public string? WhyDenied(string host, IPAddress address, int port) => IPAddress.IsLoopback(address) ? "loopback is refused here" : null;
    }
}
