using System.Net;
using RaftTimers.Cluster.Membership;
using RaftTimers.Node.Configuration;

namespace RaftTimers.Node.Tests.Configuration;

/// <summary>
/// Raft addresses are IPs or names (RaftAddress): an IP keeps the identity older builds stored, a name stays a name
/// for the transport to resolve at connect time, and where the node listens follows from it unless set.
/// </summary>
public sealed class RaftAddressSettingsTests
{
    private static NodeSettings Load(params (string Key, string Value)[] values) => NodeSettingsTests.Load(values);

    [Theory]
    [InlineData("10.0.0.4:9080", "10.0.0.4:9080")]
    [InlineData("[::1]:9080", "[::1]:9080")]
    [InlineData("localhost:9080", "127.0.0.1:9080")]
    [InlineData("LocalHost:9080", "127.0.0.1:9080")]
    public void An_IP_or_localhost_is_an_IP_address(string text, string expected)
    {
        Assert.True(RaftAddress.TryParse(text, out var address));
        var ip = Assert.IsType<IPEndPoint>(address);
        Assert.Equal(expected, ip.ToString());
        Assert.Equal(expected, RaftAddress.Format(address));
    }

    [Theory]
    [InlineData("timers-0.timers.default.svc.cluster.local:9080", "timers-0.timers.default.svc.cluster.local", 9080)]
    [InlineData("Node-A:1", "node-a", 1)]
    [InlineData("n3.rafttimers.test:65535", "n3.rafttimers.test", 65535)]
    public void A_name_stays_a_name_in_lower_case(string text, string host, int port)
    {
        Assert.True(RaftAddress.TryParse(text, out var address));
        var name = Assert.IsType<DnsEndPoint>(address);
        Assert.Equal(host, name.Host);
        Assert.Equal(port, name.Port);
        Assert.Equal($"{host}:{port}", RaftAddress.Format(address));
        Assert.False(RaftAddress.IsLoopback(address));
    }

    [Theory]
    [InlineData("10.0.0.4")]
    [InlineData("10.0.0.4:0")]
    [InlineData("node:0")]
    [InlineData("node:65536")]
    [InlineData("node:")]
    [InlineData(":9080")]
    [InlineData("node")]
    [InlineData("bad_name:9080")]
    [InlineData("two words:9080")]
    [InlineData("node:90x")]
    [InlineData("http://node:9080")]
    [InlineData("-node:9080")]
    [InlineData("node..a:9080")]
    public void Anything_else_is_refused(string text)
        => Assert.False(RaftAddress.TryParse(text, out _));

    [Fact]
    public void A_named_node_listens_on_every_interface_on_its_port_and_is_known_by_its_name()
    {
        var settings = Load(("RaftEndPoint", "timers-1.timers:9080"),
            ("Members", "timers-0.timers:9080, timers-1.timers:9080, timers-2.timers:9080"));
        settings.Validate();

        Assert.Equal(new DnsEndPoint("timers-1.timers", 9080), settings.ParsedRaftEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 9080), settings.ParsedRaftListen);
        Assert.Equal(["timers-0.timers:9080", "timers-1.timers:9080", "timers-2.timers:9080"], settings.ParsedMembers.Select(RaftAddress.Format));
    }

    [Fact]
    public void An_IP_node_listens_on_its_own_address_unless_told_otherwise()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.4"), 9080), Load(("RaftEndPoint", "10.0.0.4:9080")).ParsedRaftListen);
        var mapped = Load(("RaftEndPoint", "timers.example:19080"), ("RaftListen", "0.0.0.0:9080"));
        mapped.Validate();
        Assert.Equal(new IPEndPoint(IPAddress.Any, 9080), mapped.ParsedRaftListen);
        Assert.Equal("timers.example:19080", RaftAddress.Format(mapped.ParsedRaftEndPoint));
    }

    [Fact]
    public void The_node_itself_is_added_to_the_members_under_its_own_spelling()
    {
        var settings = Load(("RaftEndPoint", "NODE-B:9080"), ("Members", "node-a:9080"));
        Assert.Equal(["node-a:9080", "node-b:9080"], settings.ParsedMembers.Select(RaftAddress.Format));
    }

    [Theory]
    [InlineData("RaftEndPoint", "bad_name:9080", "RaftTimers:RaftEndPoint: 'bad_name:9080' is not a Raft address")]
    [InlineData("Members", "a:1,b", "RaftTimers:Members: 'b' is not a Raft address")]
    [InlineData("RaftListen", "timers-0:9080", "RaftTimers:RaftListen: 'timers-0:9080' is not an IP:port address")]
    public void A_bad_address_stops_the_node_naming_the_setting(string key, string value, string reason)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Load((key, value)).Validate());
        Assert.StartsWith(reason, error.Message, StringComparison.Ordinal);
    }
}
