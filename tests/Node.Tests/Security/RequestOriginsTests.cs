using RaftTimers.Node.Security;

namespace RaftTimers.Node.Tests.Security;

/// <summary>The optional Host and Origin checks: configured names only, nothing checked when none are configured.</summary>
public sealed class RequestOriginsTests
{
    [Fact]
    public void Without_lists_nothing_is_checked()
    {
        var open = new RequestOrigins("", "");
        Assert.False(open.ChecksHosts);
        Assert.Null(open.WhyNotHost("evil.example"));
        Assert.Null(open.WhyNotOrigin("https://evil.example"));
    }

    [Theory]
    [InlineData("timers.internal", true)]
    [InlineData("TIMERS.internal:8080", true)]
    [InlineData("127.0.0.1:8001", true)]
    [InlineData("127.0.0.1:9999", false)]
    [InlineData("[::1]:8080", true)]
    [InlineData("rebound.attacker.example", false)]
    [InlineData("", false)]
    public void A_host_entry_without_a_port_matches_any_port_and_one_with_a_port_only_that(string host, bool allowed)
    {
        var origins = new RequestOrigins("timers.internal, 127.0.0.1:8001, [::1]", "");
        Assert.Equal(allowed, origins.WhyNotHost(host) is null);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("https://ops.example.com", true)]
    [InlineData("https://OPS.example.com/", true)]
    [InlineData("http://ops.example.com", false)]
    [InlineData("https://ops.example.com:8443", false)]
    [InlineData("null", false)]
    [InlineData("https://evil.example", false)]
    public void A_write_from_a_page_must_come_from_a_listed_origin_and_one_from_no_page_passes(string? origin, bool allowed)
    {
        var origins = new RequestOrigins("", "https://ops.example.com");
        Assert.Equal(allowed, origins.WhyNotOrigin(origin) is null);
    }

    [Fact]
    public void An_entry_that_is_not_an_origin_stops_the_node_at_start()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => new RequestOrigins("", "https://ops.example.com/path"));
        Assert.Contains(RequestOrigins.OriginsSetting, refused.Message, StringComparison.Ordinal);
    }
}
