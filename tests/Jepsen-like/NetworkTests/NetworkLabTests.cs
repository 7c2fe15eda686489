using System.Net;
using System.Net.Sockets;
using RaftTimers.JepsenLike.Network;
using RaftTimers.JepsenLike.Orchestration;
using Xunit.Abstractions;

namespace RaftTimers.JepsenLike.NetworkTests;

/// <summary>
/// The namespace lab for real: needs root, iproute2, nftables and ping. Each test builds its own lab and
/// disposes it. Where the lab cannot run, each test is skipped as NOT RUN with the reason (<see cref="LabGate"/>).
/// </summary>
public sealed class NetworkLabTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    [SkippableFact]
    public async Task Lab_every_host_reaches_every_other_host()
    {
        LabGate.Require(output);
        await using var lab = await CreateAsync(3);

        await Reachability.AssertAsync(lab, []);
    }

    [SkippableFact]
    public async Task Lab_cut_drops_both_directions_of_one_pair_only_and_heal_restores_it()
    {
        LabGate.Require(output);
        await using var lab = await CreateAsync(3);

        await lab.CutAsync([("n1", "n2")]);
        Assert.Equal([("n1", "n2")], lab.CurrentCuts);
        await Reachability.AssertAsync(lab, [("n1", "n2")]);

        await lab.HealAsync();
        Assert.Empty(lab.CurrentCuts);
        await Reachability.AssertAsync(lab, []);
    }

    [SkippableFact]
    public async Task Lab_partition_and_isolation_cut_nodes_from_nodes_and_keep_sink_and_client()
    {
        LabGate.Require(output);
        await using var lab = await CreateAsync(3);

        await lab.PartitionAsync([["n1"], ["n2", "n3"]]);
        Assert.Equal([("n1", "n2"), ("n1", "n3")], lab.CurrentCuts);
        await Reachability.AssertAsync(lab, lab.CurrentCuts);

        await lab.HealAsync();
        await lab.IsolateAsync("n2");
        Assert.Equal([("n1", "n2"), ("n2", "n3")], lab.CurrentCuts);
        await Reachability.AssertAsync(lab, lab.CurrentCuts);

        await lab.HealAsync();
        await Reachability.AssertAsync(lab, []);
    }

    [SkippableFact]
    public async Task Lab_of_five_partitions_majority_from_minority_and_can_cut_the_sink_when_named()
    {
        LabGate.Require(output);
        await using var lab = await CreateAsync(5);

        await lab.PartitionAsync([["n1", "n2", "sink"], ["n3", "n4", "n5"]]);
        Assert.Equal(9, lab.CurrentCuts.Count);
        await Reachability.AssertAsync(lab, lab.CurrentCuts);
    }

    [SkippableFact]
    public async Task Lab_cut_stalls_an_established_tcp_connection_both_ways_and_heal_resumes_it()
    {
        LabGate.Require(output);
        await using var lab = await CreateAsync(3);
        using var n1Sockets = new NamespaceSockets(lab.NamespaceOf("n1"));
        using var n2Sockets = new NamespaceSockets(lab.NamespaceOf("n2"));
        using var listener = await n2Sockets.CreateSocketAsync(AddressFamily.InterNetwork);
        listener.Bind(new IPEndPoint(lab.AddressOf("n2"), 7101));
        listener.Listen();
        using var client = await n1Sockets.CreateSocketAsync(AddressFamily.InterNetwork);
        await client.ConnectAsync(new IPEndPoint(lab.AddressOf("n2"), 7101));
        using var server = await listener.AcceptAsync();
        await client.SendAsync("a"u8.ToArray());
        Assert.Equal((byte)'a', await ReceiveOneAsync(server));

        await lab.CutAsync([("n1", "n2")]);
        await client.SendAsync("b"u8.ToArray());
        await server.SendAsync("c"u8.ToArray());
        var atServer = ReceiveOneAsync(server);
        var atClient = ReceiveOneAsync(client);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(atServer.IsCompleted, "n2 received data from n1 across the cut");
        Assert.False(atClient.IsCompleted, "n1 received data from n2 across the cut");

        // TCP retransmits with backoff (0.2 s, 0.4 s, …): after a 2 s cut the next retransmission is a few seconds away.
        await lab.HealAsync();
        Assert.Equal((byte)'b', await atServer.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal((byte)'c', await atClient.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [SkippableFact]
    public async Task Lab_dispose_removes_every_namespace_of_the_lab_and_is_idempotent()
    {
        LabGate.Require(output);
        var lab = await CreateAsync(3);
        var prefix = lab.NamespacePrefix;
        Assert.Equal(6, OurNamespaces(prefix).Count); // n1..n3, sink, client, hub

        await lab.DisposeAsync();
        await lab.DisposeAsync();

        Assert.Empty(OurNamespaces(prefix));
    }

    [SkippableFact]
    public async Task Lab_stale_removal_deletes_labs_of_dead_processes_only()
    {
        LabGate.Require(output);

        // A pid above pid_max can never be alive; it still fits the 7 digits of the naming scheme (pid_max ≤ 4194304).
        var deadPid = int.Parse(await File.ReadAllTextAsync("/proc/sys/kernel/pid_max")) + 1;
        var stale = new[] { LabNames.Namespace(deadPid, 'q', "n1"), LabNames.Namespace(deadPid, 'q', "hub") };
        var liveId = LabReservations.ReserveId(Environment.ProcessId, []);
        var live = LabNames.Namespace(Environment.ProcessId, liveId, "n1");
        try
        {
            foreach (var ns in stale.Append(live))
                await Shell.RunAsync(["ip", "netns", "add", ns]);

            await NetworkLab.RemoveStaleLabsAsync();

            var left = OurNamespaces("rj");
            Assert.DoesNotContain(stale[0], left);
            Assert.DoesNotContain(stale[1], left);
            Assert.Contains(live, left);
        }
        finally
        {
            foreach (var ns in stale.Append(live))
                await Shell.TryRunAsync(["ip", "netns", "del", ns]);
            LabReservations.ReleaseId(liveId);
        }
    }

    [SkippableFact]
    public async Task Lab_root_namespace_gets_no_address_route_or_link_into_the_lab()
    {
        LabGate.Require(output);
        await using var lab = await CreateAsync(3);
        var labNet = lab.Subnet[..lab.Subnet.LastIndexOf('.')] + "."; // "10.201.x."

        Assert.DoesNotContain(labNet, await Shell.RunAsync(["ip", "-4", "-o", "addr", "show"]));
        Assert.DoesNotContain(labNet, await Shell.RunAsync(["ip", "-4", "route", "show", "table", "all"]));
        var links = await Shell.RunAsync(["ip", "-o", "link", "show"]);
        Assert.DoesNotContain(lab.NamespacePrefix, links);
        Assert.DoesNotContain("v-n1", links);

        // Root's route lookup for n1 (a lookup only, nothing is sent) must not be a lab route: it may go to the
        // machine's default route or fail, but never leave from a lab address or through the lab's bridge.
        var rootRoute = await Shell.TryRunAsync(["ip", "-4", "route", "get", lab.AddressOf("n1").ToString()]);
        Assert.DoesNotContain($"src {labNet}", rootRoute.Stdout);
        Assert.DoesNotContain("dev br0", rootRoute.Stdout);

        // The same lookup inside n2 does find the lab, so the checks above can see it where it exists.
        Assert.Contains($"src {lab.AddressOf("n2")}", await lab.ExecInAsync("n2", "ip", "-4", "route", "get", lab.AddressOf("n1").ToString()));
        Assert.Contains("v-n1", await Shell.RunAsync(["ip", "-n", lab.NamespaceOf("hub"), "-o", "link", "show"]));
    }

    [SkippableFact]
    public async Task Lab_exec_reports_the_failing_command_and_its_stderr()
    {
        LabGate.Require(output);
        await using var lab = await CreateAsync(3);

        var failure = await Assert.ThrowsAsync<ShellCommandException>(() => lab.ExecInAsync("n1", "ip", "link", "show", "no-such-link"));

        Assert.Contains(lab.NamespaceOf("n1"), failure.Message);
        Assert.Contains("no-such-link", failure.Message);
        Assert.NotEqual(0, failure.ExitCode);
        Assert.NotEmpty(failure.Stderr);
    }

    private async Task<NetworkLab> CreateAsync(int nodes)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var lab = await NetworkLab.CreateAsync(nodes, deadline.Token);
        output.WriteLine($"lab {lab.NamespacePrefix}* on {lab.Subnet}");
        return lab;
    }

    /// <summary>What <c>ip netns list</c> shows, read from the directory it lists.</summary>
    private static List<string> OurNamespaces(string prefix)
        => Directory.GetFiles("/var/run/netns").Select(Path.GetFileName).OfType<string>()
            .Where(ns => ns.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();

    private static async Task<byte> ReceiveOneAsync(Socket socket)
    {
        var buffer = new byte[1];
        var read = await socket.ReceiveAsync(buffer);
        Assert.Equal(1, read);
        return buffer[0];
    }
}
