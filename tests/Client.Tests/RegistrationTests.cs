using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RaftTimers.Client.Tests;

/// <summary><c>services.AddRaftTimersClient(...)</c>: a typed client with its options, checked when first resolved.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task The_registered_client_calls_the_configured_nodes_through_the_factorys_handlers()
    {
        var stub = new StubNodes().Refuse("a").Answer("b", HttpStatusCode.Accepted);
        var services = new ServiceCollection();
        services.AddRaftTimersClient(o =>
        {
            o.Nodes.Add(StubNodes.Url("a"));
            o.Nodes.Add(StubNodes.Url("b"));
        }).ConfigurePrimaryHttpMessageHandler(() => stub);
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<RaftTimersClient>();
        await client.CancelAsync("t1");

        Assert.Equal([StubNodes.Url("a"), StubNodes.Url("b")], client.Nodes);
        Assert.Equal(["b"], stub.NodesReached());
    }

    [Fact]
    public void Options_without_nodes_are_refused_with_a_reason()
    {
        var services = new ServiceCollection();
        services.AddRaftTimersClient(_ => { });
        using var provider = services.BuildServiceProvider();

        var refused = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<RaftTimersClient>());
        Assert.Contains("Nodes is empty", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_url_with_a_query_is_refused()
        => Assert.Throws<ArgumentException>(() => new RaftTimersClient(new RaftTimersClientOptions { Nodes = [new Uri("http://a:8080/?x=1")] }));

    [Fact]
    public void The_options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RaftTimers:Client:Nodes:0"] = "http://timers-0:8080",
            ["RaftTimers:Client:Nodes:1"] = "http://timers-1:8080",
            ["RaftTimers:Client:RequestTimeout"] = "00:00:05",
            ["RaftTimers:Client:ApiToken"] = "secret",
        }).Build();
        var services = new ServiceCollection();
        services.AddRaftTimersClient(configuration.GetSection("RaftTimers:Client").Bind);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<RaftTimersClientOptions>>().Value;

        Assert.Equal([new Uri("http://timers-0:8080"), new Uri("http://timers-1:8080")], options.Nodes);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RequestTimeout);
        Assert.Equal("secret", options.ApiToken);
        Assert.True(options.ClientMadeIds);
        Assert.Equal([new Uri("http://timers-0:8080"), new Uri("http://timers-1:8080")], provider.GetRequiredService<RaftTimersClient>().Nodes);
    }
}
