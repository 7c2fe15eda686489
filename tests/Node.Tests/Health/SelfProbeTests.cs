using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RaftTimers.Node.Health;

namespace RaftTimers.Node.Tests.Health;

/// <summary><c>probe live|ready</c> against a loopback listener that answers as told, or not at all.</summary>
public sealed class SelfProbeTests
{
    private sealed record Run(int Exit, string Stdout, string Stderr);

    private static async Task<Run> ProbeAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await SelfProbe.RunAsync(args, stdout, stderr);
        return new Run(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Accepts connections on 127.0.0.1 and answers each request with <paramref name="status"/>, or never when null; records request lines.</summary>
    private sealed class FakeNode : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();
        private readonly Task serving;

        public FakeNode(int? status, string body = "{}")
        {
            listener.Start();
            serving = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using var client = await listener.AcceptTcpClientAsync(stop.Token);
                    var stream = client.GetStream();
                    var request = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                        request.Append(Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer, stop.Token)));
                    RequestLines.Add(request.ToString().Split("\r\n")[0]);
                    if (status is not { } code)
                    {
                        await Task.Delay(Timeout.Infinite, stop.Token);
                        continue;
                    }

                    var bytes = Encoding.UTF8.GetBytes(body);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), stop.Token);
                    await stream.WriteAsync(bytes, stop.Token);
                }
            });
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

        public List<string> RequestLines { get; } = [];

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            await serving.ContinueWith(_ => { }, TaskScheduler.Default);
            stop.Dispose();
        }
    }

    [Fact]
    public async Task Ready_exits_0_when_the_node_answers_200_and_asks_its_ready_endpoint()
    {
        await using var node = new FakeNode(200, """{"status":"Healthy"}""");
        var run = await ProbeAsync("ready", "--url", node.Url);
        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("200", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(["GET /health/ready HTTP/1.1"], node.RequestLines);
    }

    [Fact]
    public async Task Live_asks_the_live_endpoint()
    {
        await using var node = new FakeNode(200);
        var run = await ProbeAsync("live", "--url", node.Url + "/");
        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(["GET /health/live HTTP/1.1"], node.RequestLines);
    }

    [Fact]
    public async Task Exits_1_with_the_status_and_reason_when_the_node_is_not_ready()
    {
        await using var node = new FakeNode(503, """{"status":"Unhealthy","checks":{"raft":{"description":"no leader known"}}}""");
        var run = await ProbeAsync("ready", "--url", node.Url);
        Assert.Equal(1, run.Exit);
        Assert.Contains("503", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("no leader known", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task Exits_1_when_nothing_listens()
    {
        string url;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            url = $"http://127.0.0.1:{((IPEndPoint)closed.LocalEndpoint).Port}";
        }

        var run = await ProbeAsync("ready", "--url", url);
        Assert.Equal(1, run.Exit);
        Assert.Contains(url, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exits_1_within_its_timeout_when_the_node_does_not_answer()
    {
        await using var node = new FakeNode(status: null);
        var clock = Stopwatch.StartNew();
        var run = await ProbeAsync("ready", "--url", node.Url, "--timeout-ms", "300");
        Assert.Equal(1, run.Exit);
        Assert.Contains("no answer within 300 ms", run.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData]
    [InlineData("sideways")]
    [InlineData("ready", "--url")]
    [InlineData("ready", "--timeout-ms", "soon")]
    [InlineData("ready", "--timeout-ms", "0")]
    [InlineData("ready", "--verbose", "yes")]
    [InlineData("ready", "--url", "not a url")]
    public async Task Wrong_arguments_exit_1_with_the_usage(params string[] args)
    {
        var run = await ProbeAsync(args);
        Assert.Equal(1, run.Exit);
        Assert.Contains("usage: RaftTimers.Node.dll probe live|ready", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/health/ready")]
    [InlineData("http://+:8080", "http://127.0.0.1:8080/health/ready")]
    [InlineData("http://*:8080", "http://127.0.0.1:8080/health/ready")]
    [InlineData("http://[::]:8080", "http://[::1]:8080/health/ready")]
    [InlineData("http://10.1.2.3:8080/", "http://10.1.2.3:8080/health/ready")]
    [InlineData("https://node1.example:8443", "https://node1.example:8443/health/ready")]
    public void A_listen_address_on_every_interface_is_asked_on_loopback(string httpUrl, string expected)
        => Assert.Equal(expected, SelfProbe.HealthUrl(httpUrl, "ready").ToString());
}
