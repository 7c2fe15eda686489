using RaftTimers.JepsenLike.Network;

namespace RaftTimers.JepsenLike.NetworkTests;

/// <summary>The pure parts of the lab — names, partition pairs, subnet parsing — which need no root and always run.</summary>
public sealed class LabNamingTests
{
    [Theory]
    [InlineData(4_194_304, 'z', "client", "rj4194304-z-cl")]
    [InlineData(48213, 'a', "n1", "rj48213-a-n1")]
    [InlineData(7, '0', "hub", "rj7-0-hb")]
    [InlineData(9_999_999, '9', "sink", "rj9999999-9-sk")]
    public void Namespace_names_fit_in_15_characters_and_name_their_owner(int pid, char lab, string host, string expected)
    {
        var name = LabNames.Namespace(pid, lab, host);

        Assert.Equal(expected, name);
        Assert.True(name.Length <= 15);
        Assert.True(LabNames.TryParseOwner(name, out var owner));
        Assert.Equal(pid, owner);
    }

    [Theory]
    [InlineData("rj123-n1")]
    [InlineData("rj123-a-n0")]
    [InlineData("rj123-a-xx")]
    [InlineData("rj0123-a-n1")]
    [InlineData("rjx-a-n1")]
    [InlineData("myns")]
    [InlineData("rj12345678-a-n1")]
    public void Names_of_other_schemes_are_never_taken_for_ours(string name)
        => Assert.False(LabNames.TryParseOwner(name, out _));

    [Fact]
    public void Unknown_hosts_and_lab_ids_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => LabNames.HostCode("n10"));
        Assert.Throws<ArgumentException>(() => LabNames.HostCode("db"));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabNames.LabPrefix(1, 'A'));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabNames.LabPrefix(0, 'a'));
    }

    [Fact]
    public void A_partition_cuts_exactly_the_pairs_across_components_and_spares_unnamed_hosts()
    {
        var pairs = LabPartitions.Between([["n1"], ["n3", "n2"]]);

        Assert.Equal(new HashSet<(string, string)> { ("n1", "n2"), ("n1", "n3") }, pairs);
    }

    [Fact]
    public void A_partition_naming_the_sink_cuts_it_like_any_host()
    {
        var pairs = LabPartitions.Between([["n1", "sink"], ["n2"]]);

        Assert.Equal(new HashSet<(string, string)> { ("n1", "n2"), ("n2", "sink") }, pairs);
    }

    [Fact]
    public void A_host_named_in_two_components_is_an_error()
        => Assert.Throws<ArgumentException>(() => LabPartitions.Between([["n1", "n2"], ["n2", "n3"]]));

    [Fact]
    public void Isolation_cuts_a_node_from_the_other_nodes_only()
        => Assert.Equal(
            new HashSet<(string, string)> { ("n1", "n2"), ("n2", "n3") },
            LabPartitions.Isolating("n2", ["n1", "n2", "n3"]));

    [Fact]
    public void A_host_cannot_be_cut_from_itself()
        => Assert.Throws<ArgumentException>(() => LabPartitions.Normalize("n1", "n1"));

    [Fact]
    public void Subnets_in_use_are_read_from_ip_output()
    {
        const string output = """
            2: eth0    inet 10.201.37.1/24 brd 10.201.37.255 scope global eth0
            10.201.4.0/24 dev br0 proto kernel scope link src 10.201.4.9
            10.2.1.0/24 dev x
            """;

        Assert.Equal([37, 4], LabReservations.SubnetsIn(output).Distinct());
    }
}
