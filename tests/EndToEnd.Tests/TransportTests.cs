using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RaftTimers.Client;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Transports beyond HTTP (docs/transports.md) through a real 3-node cluster: the built-in <c>tcp</c> transport writes
/// the payload to a connection, and the example plug-in (tools/SpoolTransport), loaded by every node from configuration,
/// writes a file; both through followers, each timer delivered once. A transport no node has is still a 400, and a node
/// whose plug-in cannot load does not start.
/// </summary>
public sealed class TransportTests
{
    private const string SpoolType = "RaftTimers.SpoolTransport.SpoolCallbackTransport";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Tcp_and_plugin_timers_given_through_followers_are_delivered_once_each_and_unknown_transports_are_refused()
    {
        var spool = Directory.CreateTempSubdirectory("spool-e2e-").FullName;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var received = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var receiver = ReceiveAsync(listener, received, stop.Token);
        try
        {
            await using var cluster = await LocalCluster.StartAsync(3,
                $"--RaftTimers:Transports:spool:Assembly={RepoPaths.SpoolTransportDll}",
                $"--RaftTimers:Transports:spool:Type={SpoolType}",
                $"--RaftTimers:Transports:spool:Settings:Directory={spool}");
            var http = cluster.Http;
            var prefix = $"transport-{Guid.NewGuid():N}"[..20];

            // Through each node in turn, so followers take some: their writes reach the leader, which delivers.
            var node = 0;
            for (var i = 0; i < 6; i++)
            {
                var target = new CallbackTarget($"tcp://127.0.0.1:{port}", transport: "tcp");
                await http.Client(cluster.Urls[node++ % 3]).CreateAsync(new TimerRequest(200, target, $"tcp-{i}"), $"{prefix}-tcp-{i}");
            }

            for (var i = 0; i < 3; i++)
            {
                var target = new CallbackTarget("spool://orders", transport: "spool");
                await http.Client(cluster.Urls[node++ % 3]).CreateAsync(new TimerRequest(200, target, new JsonObject { ["order"] = i }), $"{prefix}-spool-{i}");
            }

            var orders = Path.Combine(spool, "orders");
            await Poll.UntilAsync(async () => (await http.ListAllAsync(cluster.Urls[1], prefix)).ToArray(),
                timers => timers.Length == 9 && timers.All(t => t.State == TimerStates.Delivered),
                Deadline, timers => string.Join(", ", timers.Select(t => $"{t.Id} {t.State} {t.LastError}")));

            // Each payload once: a delivered timer was acknowledged, so nothing was sent again.
            Assert.Equal(Enumerable.Range(0, 6).Select(i => $"tcp-{i}").Order(), received.Order());
            var files = Directory.GetFiles(orders, "*.json");
            Assert.Equal(3, files.Length);
            var written = files.Select(f => JsonDocument.Parse(File.ReadAllBytes(f)).RootElement).ToList();
            Assert.Equal([0, 1, 2], written.Select(w => w.GetProperty("data").GetProperty("order").GetInt32()).Order());
            foreach (var url in cluster.Urls)
            {
                var shown = await http.GetAsync(url, $"{prefix}-spool-0");
                Assert.Equal("spool", shown!.Callback.Transport);
                Assert.Contains(written, w => w.GetProperty("idempotencyKey").GetString() == $"{prefix}-spool-0:1:{shown.FiredAtIndex}");
            }

            // A transport no node has, and a URI its transport cannot reach, are refused by every node; nothing is created.
            foreach (var url in cluster.Urls)
            {
                using var unknown = await http.CreateAsync(url, $"{prefix}-sqs",
                    """{"timeout":100,"callback":{"transport":"sqs","method":"post","uri":"sqs://queue"}}""");
                Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
                Assert.Contains("unknown callback transport 'sqs'; supported: http, spool, tcp", TimerApi.Reason(unknown), StringComparison.Ordinal);
                using var wrongUri = await http.CreateAsync(url, $"{prefix}-bad",
                    """{"timeout":100,"callback":{"transport":"tcp","method":"post","uri":"http://127.0.0.1:1/"}}""");
                Assert.Equal(HttpStatusCode.BadRequest, wrongUri.StatusCode);
                Assert.Contains("callback.uri of transport tcp must be an absolute tcp://host:port URI", TimerApi.Reason(wrongUri), StringComparison.Ordinal);
            }

            Assert.Null(await http.GetAsync(cluster.Urls[0], $"{prefix}-sqs"));
            Assert.Null(await http.GetAsync(cluster.Urls[0], $"{prefix}-bad"));
        }
        finally
        {
            await stop.CancelAsync();
            await receiver;
            Directory.Delete(spool, recursive: true);
        }
    }

    [Fact]
    public async Task A_node_whose_plugin_cannot_be_loaded_does_not_start_and_names_the_setting()
    {
        var ports = FreePorts.FindRun(2);
        var data = Directory.CreateTempSubdirectory("plugin-missing-").FullName;
        try
        {
            var exit = await NodeProcess.RunUntilExitAsync(["--node-id", "n1", "--http", $"http://127.0.0.1:{ports}", "--raft", $"127.0.0.1:{ports + 1}",
                "--data", data, "--RaftTimers:Transports:spool:Assembly=/nonexistent/spool.dll", $"--RaftTimers:Transports:spool:Type={SpoolType}"]);
            Assert.True(exit.Code == 2, $"exit code {exit.Code}: {exit.Output}");
            Assert.Contains("configuration error: RaftTimers:Transports:spool:Assembly: no file /nonexistent/spool.dll", exit.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>A tcp receiver: reads each connection to its end, keeps the payload, then closes, which acknowledges it.</summary>
    private static async Task ReceiveAsync(TcpListener listener, ConcurrentQueue<string> received, CancellationToken token)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(token);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        using var buffer = new MemoryStream();
                        await client.GetStream().CopyToAsync(buffer, token);
                        received.Enqueue(Encoding.UTF8.GetString(buffer.ToArray()));
                    }
                }, token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
