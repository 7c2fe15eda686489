using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RaftTimers.Client.Transport;

namespace RaftTimers.Client;

/// <summary>Registers <see cref="RaftTimersClient"/> as a typed <see cref="HttpClient"/> (docs/client.md).</summary>
public static class RaftTimersClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RaftTimersClient"/> with its options, e.g.
    /// <c>services.AddRaftTimersClient(o =&gt; o.Nodes.Add(new Uri("http://timers-0:8080")))</c>, or bound from configuration
    /// with <c>services.AddRaftTimersClient(configuration.GetSection("RaftTimers:Client").Bind)</c>. The primary handler has
    /// the options' connect timeout and no redirects; the builder returned can add handlers of its own.
    /// </summary>
    public static IHttpClientBuilder AddRaftTimersClient(this IServiceCollection services, Action<RaftTimersClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RaftTimersClientOptions>().Configure(configure).Validate(o =>
        {
            o.Validate();
            return true;
        });
        return services.AddHttpClient<RaftTimersClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => NodeFailover.CreateHandler(provider.GetRequiredService<IOptions<RaftTimersClientOptions>>().Value));
    }
}
