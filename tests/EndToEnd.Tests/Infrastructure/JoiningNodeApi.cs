using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>
/// An HTTP API that answers <c>GET /cluster</c> the way a node waiting to join at <c>raft</c> does, for tests that add
/// a "node" which is not a real one (one that never answers Raft), past the leader's identity check.
/// </summary>
internal sealed class JoiningNodeApi : IAsyncDisposable
{
    private readonly WebApplication app;

    private JoiningNodeApi(WebApplication app, string url)
    {
        this.app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<JoiningNodeApi> StartAsync(string raft)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/cluster", () => Results.Json(new { raft, membership = "joining" }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new JoiningNodeApi(app, address.TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
