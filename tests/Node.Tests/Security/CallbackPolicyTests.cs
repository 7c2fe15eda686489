using System.Net;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Tests.Security;

/// <summary>
/// <see cref="CallbackPolicy"/> as a pure function: the defaults, CIDRs in both families, the spellings people
/// use to sneak past address checks (decimal, hex, IPv4-mapped IPv6), wildcard names, allow and deny together,
/// and configuration it must refuse. No process is started.
/// </summary>
public sealed class CallbackPolicyTests
{
    private static readonly CallbackPolicy Defaults = CallbackPolicy.FromSettings("", "", denyDefaults: true);

    private static string? Check(CallbackPolicy policy, string uri) => policy.WhyDenied(new Uri(uri));

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data", "169.254.0.0/16")]
    [InlineData("http://2852039166/latest/meta-data", "169.254.0.0/16")]
    [InlineData("http://0xa9.0xfe.0xa9.0xfe/", "169.254.0.0/16")]
    [InlineData("http://0251.0376.0251.0376/", "169.254.0.0/16")]
    [InlineData("http://169.254.43518/", "169.254.0.0/16")]
    [InlineData("http://user:pw@169.254.170.2/v2/credentials", "169.254.0.0/16")]
    [InlineData("http://[::ffff:169.254.169.254]/", "169.254.0.0/16")]
    [InlineData("http://[::ffff:a9fe:a9fe]:80/", "169.254.0.0/16")]
    [InlineData("http://[fe80::1]/", "fe80::/10")]
    [InlineData("http://[fe80::1%25eth0]:8080/", "fe80::/10")]
    [InlineData("http://[FD00:EC2::254]/latest/meta-data", "fd00:ec2::254")]
    [InlineData("http://[fd20:ce::254]/computeMetadata/v1/", "fd20:ce::254")]
    [InlineData("http://100.100.100.200/latest/meta-data", "100.100.100.200")]
    [InlineData("http://168.63.129.16/machine", "168.63.129.16")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal")]
    [InlineData("http://METADATA.Google.Internal./computeMetadata/v1/", "metadata.google.internal")]
    [InlineData("https://metadata/computeMetadata/v1/", "metadata")]
    [InlineData("http://instance-data/latest/meta-data", "instance-data")]
    [InlineData("http://127.0.0.1:8080/hooks/a", "127.0.0.0/8")]
    [InlineData("http://2130706433/", "127.0.0.0/8")]
    [InlineData("http://127.1/", "127.0.0.0/8")]
    [InlineData("http://[::ffff:127.0.0.1]/", "127.0.0.0/8")]
    [InlineData("http://[::1]:9000/", "::1/128")]
    [InlineData("http://0.0.0.0:8080/", "0.0.0.0/8")]
    [InlineData("http://0/", "0.0.0.0/8")]
    [InlineData("http://[::]:8080/", "::/128")]
    [InlineData("http://localhost/hooks", "localhost")]
    [InlineData("http://api.localhost/hooks", "*.localhost")]
    [InlineData("http://10.1.2.3/", "10.0.0.0/8")]
    [InlineData("http://172.16.5.4/", "172.16.0.0/12")]
    [InlineData("http://192.168.0.10/", "192.168.0.0/16")]
    [InlineData("http://100.64.0.1/", "100.64.0.0/10")]
    [InlineData("http://[fd00::1]/", "fc00::/7")]
    [InlineData("http://224.0.0.1/", "224.0.0.0/4")]
    [InlineData("http://255.255.255.255/", "255.255.255.255/32")]
    [InlineData("http://[ff02::1]/", "ff00::/8")]
    public void The_defaults_deny_this_machine_private_networks_link_local_and_cloud_metadata_in_every_spelling(string uri, string rule)
    {
        var reason = Check(Defaults, uri);
        Assert.NotNull(reason);
        Assert.Contains($"default deny entry {rule} ", reason, StringComparison.Ordinal);
        Assert.Contains("RaftTimers:Security:Callbacks:Permit allows it", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://hooks.example.com/x")]
    [InlineData("http://93.184.216.34:8080/")]
    [InlineData("http://[2606:4700::6810:85e5]/")]
    [InlineData("http://11.0.0.1/")]
    [InlineData("http://172.32.0.1/")]
    [InlineData("http://192.169.0.1/")]
    [InlineData("http://100.128.0.1/")]
    [InlineData("http://169.255.0.1/")]
    [InlineData("http://169.253.255.255/")]
    [InlineData("http://[2600:1f18::254]/")]
    [InlineData("http://168.63.129.17/")]
    [InlineData("http://metadata.example.com/")]
    [InlineData("http://my-metadata/")]
    public void The_defaults_allow_public_addresses_and_ordinary_hosts(string uri)
        => Assert.Null(Check(Defaults, uri));

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("fe80::1%3")]
    [InlineData("fd00:ec2::254")]
    public void At_delivery_a_harmless_name_that_resolves_to_a_metadata_address_is_denied(string address)
    {
        var reason = Defaults.WhyDenied("rebind.attacker.example", IPAddress.Parse(address), 443);
        Assert.NotNull(reason);
        Assert.Contains("of host rebind.attacker.example", reason, StringComparison.Ordinal);
        Assert.Null(Defaults.WhyDenied("rebind.attacker.example", IPAddress.Parse("93.184.216.34"), 443));
    }

    [Fact]
    public void A_permit_entry_lifts_the_defaults_for_what_it_names_only()
    {
        var policy = CallbackPolicy.FromSettings("", "", denyDefaults: true, permit: "127.0.0.1,localhost,10.20.0.0/16");

        Assert.Null(Check(policy, "http://127.0.0.1:9999/hooks"));
        Assert.Null(Check(policy, "http://localhost:9999/hooks"));
        Assert.Null(Check(policy, "http://10.20.30.40/"));
        Assert.Null(policy.WhyDenied("receiver.internal", IPAddress.Parse("10.20.1.1"), 80));
        Assert.Contains("default deny entry 127.0.0.0/8", Check(policy, "http://127.0.0.2/"), StringComparison.Ordinal);
        Assert.Contains("default deny entry 10.0.0.0/8", Check(policy, "http://10.21.0.1/"), StringComparison.Ordinal);
        Assert.Contains("default deny entry ::1/128", Check(policy, "http://[::1]/"), StringComparison.Ordinal);
        Assert.Contains("default deny entry 169.254.0.0/16", Check(policy, "http://169.254.169.254/"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_permit_entry_does_not_lift_the_operators_own_deny_entries()
    {
        var policy = CallbackPolicy.FromSettings("", "10.20.9.0/24", denyDefaults: true, permit: "10.20.0.0/16");

        Assert.Null(Check(policy, "http://10.20.8.1/"));
        Assert.Contains("Callbacks:Deny entry 10.20.9.0/24", Check(policy, "http://10.20.9.1/"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_nodes_own_ports_on_its_own_machine_are_denied_even_when_permitted()
    {
        var own = new OwnEndpoints([8080, 9080], [IPAddress.Parse("192.0.2.7")]);
        var policy = CallbackPolicy.FromSettings("", "", denyDefaults: true, permit: "127.0.0.0/8,192.0.2.0/24", own);

        Assert.Contains("this node's own API or Raft port", Check(policy, "http://127.0.0.1:8080/timer"), StringComparison.Ordinal);
        Assert.Contains("this node's own API or Raft port", Check(policy, "http://192.0.2.7:9080/"), StringComparison.Ordinal);
        Assert.Contains("this node's own API or Raft port", policy.WhyDenied("rebind.example", IPAddress.Parse("0.0.0.0"), 8080), StringComparison.Ordinal);
        Assert.Contains("this node's own API or Raft port", policy.WhyDenied("me.example", IPAddress.Parse("::ffff:192.0.2.7"), 8080), StringComparison.Ordinal);
        Assert.Null(Check(policy, "http://127.0.0.1:8081/hooks"));
        Assert.Null(Check(policy, "http://192.0.2.8:8080/hooks"));
        Assert.False(CallbackPolicy.FromSettings("", "", denyDefaults: false, own: own).IsUnrestricted);
    }

    [Fact]
    public void Without_the_defaults_and_without_entries_everything_is_allowed()
    {
        var open = CallbackPolicy.FromSettings("", "", denyDefaults: false);
        Assert.True(open.IsUnrestricted);
        Assert.False(Defaults.IsUnrestricted);
        Assert.Null(Check(open, "http://169.254.169.254/latest/meta-data"));
        Assert.Null(Check(open, "http://metadata.google.internal/"));
        Assert.Null(open.WhyDenied("x.example", IPAddress.Parse("169.254.169.254"), 443));
    }

    [Fact]
    public void Removing_the_defaults_keeps_the_operators_own_deny_entries()
    {
        var policy = CallbackPolicy.FromSettings("", "10.0.0.0/8", denyDefaults: false);
        Assert.False(policy.IsUnrestricted);
        Assert.Null(Check(policy, "http://169.254.169.254/"));
        Assert.Contains("RaftTimers:Security:Callbacks:Deny entry 10.0.0.0/8", Check(policy, "http://10.9.8.7/"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://10.2.3.4/", "10.0.0.0/8")]
    [InlineData("http://[::ffff:10.2.3.4]/", "10.0.0.0/8")]
    [InlineData("http://a.internal.example/", "*.internal.example")]
    [InlineData("http://A.B.Internal.Example./", "*.internal.example")]
    [InlineData("http://blocked.example/", "blocked.example")]
    [InlineData("http://BLOCKED.example./", "blocked.example")]
    [InlineData("http://[2001:db8::1]/", "2001:db8::/32")]
    [InlineData("http://[2001:db8:ffff::1]:81/", "2001:db8::/32")]
    [InlineData("http://198.51.100.7/", "198.51.100.7")]
    public void Configured_deny_entries_match_cidrs_of_both_families_single_ips_and_names(string uri, string rule)
    {
        var policy = CallbackPolicy.FromSettings("", " 10.0.0.0/8, *.internal.example ,blocked.example, 2001:db8::/32, 198.51.100.7", denyDefaults: true);
        var reason = Check(policy, uri);
        Assert.NotNull(reason);
        Assert.Contains($"RaftTimers:Security:Callbacks:Deny entry {rule}", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://internal.example/")]
    [InlineData("http://notblocked.example/")]
    [InlineData("http://blocked.example.com/")]
    [InlineData("http://11.0.0.1/")]
    [InlineData("http://[2001:db9::1]/")]
    [InlineData("http://198.51.100.8/")]
    public void Configured_deny_entries_do_not_reach_past_what_they_name(string uri)
    {
        var policy = CallbackPolicy.FromSettings("", "10.0.0.0/8,*.internal.example,blocked.example,2001:db8::/32,198.51.100.7", denyDefaults: true);
        Assert.Null(Check(policy, uri));
    }

    [Fact]
    public void An_ipv4_mapped_entry_is_the_ipv4_network_it_maps()
    {
        var policy = CallbackPolicy.FromSettings("", "::ffff:10.0.0.0/104, ::ffff:192.0.2.1", denyDefaults: false);
        Assert.Contains("entry 10.0.0.0/8", Check(policy, "http://10.1.1.1/"), StringComparison.Ordinal);
        Assert.Contains("entry 192.0.2.1", Check(policy, "http://[::ffff:192.0.2.1]/"), StringComparison.Ordinal);
        Assert.Null(Check(policy, "http://11.1.1.1/"));
    }

    private static readonly CallbackPolicy AllowCorp =
        CallbackPolicy.FromSettings("*.corp.example, 10.0.0.0/8", "10.66.0.0/16, secret.corp.example", denyDefaults: true);

    [Theory]
    [InlineData("http://api.corp.example/hook", null)]
    [InlineData("http://10.1.2.3:8080/hook", null)]
    [InlineData("http://secret.corp.example/hook", "Deny entry secret.corp.example")]
    [InlineData("http://10.66.1.1/hook", "Deny entry 10.66.0.0/16")]
    [InlineData("http://192.168.1.1/hook", "matches no entry of RaftTimers:Security:Callbacks:Allow")]
    [InlineData("http://169.254.169.254/", "matches no entry of RaftTimers:Security:Callbacks:Allow")]
    [InlineData("http://elsewhere.example/hook", null)]
    public void With_an_allow_list_a_target_must_match_it_and_deny_still_wins(string uri, string? reasonContains)
    {
        var reason = Check(AllowCorp, uri);
        if (reasonContains is null)
            Assert.Null(reason);
        else
            Assert.Contains(reasonContains, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_the_allow_list_does_not_name_is_held_to_its_networks_at_delivery()
    {
        // Accepted at create time above ("elsewhere.example"): the allow list has networks it may resolve into.
        Assert.Null(AllowCorp.WhyDenied("elsewhere.example", IPAddress.Parse("10.1.1.1"), 443));
        Assert.Contains("matches no entry of RaftTimers:Security:Callbacks:Allow", AllowCorp.WhyDenied("elsewhere.example", IPAddress.Parse("192.168.1.1"), 443), StringComparison.Ordinal);
        // An allowed name may resolve anywhere except into a denied network; the defaults are deny entries too.
        Assert.Null(AllowCorp.WhyDenied("api.corp.example", IPAddress.Parse("93.184.216.34"), 443));
        Assert.Contains("default deny entry 192.168.0.0/16", AllowCorp.WhyDenied("api.corp.example", IPAddress.Parse("192.168.1.1"), 443), StringComparison.Ordinal);
        Assert.Contains("Deny entry 10.66.0.0/16", AllowCorp.WhyDenied("api.corp.example", IPAddress.Parse("10.66.0.9"), 443), StringComparison.Ordinal);
        Assert.Contains("default deny entry 169.254.0.0/16", AllowCorp.WhyDenied("api.corp.example", IPAddress.Parse("169.254.169.254"), 443), StringComparison.Ordinal);
        Assert.Contains("Deny entry secret.corp.example", AllowCorp.WhyDenied("secret.corp.example", IPAddress.Parse("10.1.1.1"), 443), StringComparison.Ordinal);
    }

    [Fact]
    public void An_allow_list_of_names_only_refuses_other_names_and_every_ip_literal_at_create_time()
    {
        var policy = CallbackPolicy.FromSettings("*.corp.example, hooks.partner.example", "", denyDefaults: true);
        Assert.Null(Check(policy, "https://a.corp.example/"));
        Assert.Null(Check(policy, "https://HOOKS.partner.example./"));
        Assert.Contains("host elsewhere.example matches no entry of RaftTimers:Security:Callbacks:Allow", Check(policy, "http://elsewhere.example/"), StringComparison.Ordinal);
        Assert.Contains("address 10.1.2.3 matches no entry", Check(policy, "http://10.1.2.3/"), StringComparison.Ordinal);
        Assert.Contains("matches no entry", Check(policy, "http://corp.example/"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/x")]
    [InlineData("fe80::/129")]
    [InlineData("256.1.1.1")]
    [InlineData("fe80::zz")]
    [InlineData("1.2.3")]
    [InlineData("10.1")]
    [InlineData("not a host")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("foo.*")]
    [InlineData("a.*.example")]
    [InlineData("http://example.com")]
    [InlineData("example.com:80")]
    [InlineData("a..b")]
    [InlineData("-a.example")]
    [InlineData("bücher.example")]
    public void A_bad_entry_stops_the_node_with_the_setting_and_the_entry_named(string entry)
    {
        var deny = Assert.Throws<InvalidOperationException>(() => CallbackPolicy.FromSettings("", "ok.example," + entry, denyDefaults: true));
        Assert.StartsWith("RaftTimers:Security:Callbacks:Deny: ", deny.Message, StringComparison.Ordinal);
        Assert.Contains($"'{entry.Trim()}'", deny.Message, StringComparison.Ordinal);

        var allow = Assert.Throws<InvalidOperationException>(() => CallbackPolicy.FromSettings(entry, "", denyDefaults: true));
        Assert.StartsWith("RaftTimers:Security:Callbacks:Allow: ", allow.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_entries_between_commas_are_ignored()
    {
        var policy = CallbackPolicy.FromSettings(" , ", "a.example,, ,b.example,", denyDefaults: false);
        Assert.NotNull(Check(policy, "http://a.example/"));
        Assert.NotNull(Check(policy, "http://b.example/"));
        Assert.Null(Check(policy, "http://c.example/"));
    }
}
