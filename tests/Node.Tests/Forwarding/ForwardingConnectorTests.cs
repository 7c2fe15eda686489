using System.Net.Sockets;
using RaftTimers.Node.Forwarding;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Tests.Forwarding;

/// <summary>A follower carries the API token to the leader only where it cannot be read on the way: over TLS, or on loopback.</summary>
public sealed class ForwardingConnectorTests
{
    [Theory]
    [InlineData("https://10.0.0.5:8443", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://127.9.9.9:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://10.0.0.5:8080", false)]
    [InlineData("http://timers-1.internal:8080", false)]
    [InlineData("http://[2001:db8::5]:8080", false)]
    public void A_secret_goes_to_a_peer_over_https_or_on_loopback_only(string peer, bool allowed)
        => Assert.Equal(allowed, PeerTrust.MayCarrySecrets(new Uri(peer)));

    [Fact]
    public async Task With_a_token_a_plain_http_leader_on_the_network_is_refused_before_anything_is_sent()
    {
        var connector = new ForwardingConnector("a-token-of-sixteen-chars", "n2");
        // 192.0.2.0/24 is reserved for documentation: a dial would hang until the token below fires, not fail at once.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var refused = await Assert.ThrowsAsync<IOException>(() => connector.ConnectAsync(new Uri("http://192.0.2.7:8080"), cancel.Token));

        Assert.Contains("not sent in clear", refused.Message, StringComparison.Ordinal);
        Assert.False(cancel.IsCancellationRequested);
    }

    [Fact]
    public async Task Without_a_token_or_on_loopback_the_connector_dials()
    {
        // Nothing listens on port 1: dialing fails with a socket error, which shows it was allowed to try.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<SocketException>(() => new ForwardingConnector("a-token-of-sixteen-chars", "n2").ConnectAsync(new Uri("http://127.0.0.1:1"), cancel.Token));
        await Assert.ThrowsAsync<SocketException>(() => new ForwardingConnector(null, "n2").ConnectAsync(new Uri("http://127.0.0.1:1"), cancel.Token));
    }
}
