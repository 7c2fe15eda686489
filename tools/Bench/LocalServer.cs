using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace RaftTimers.Tools.Bench;

/// <summary>The Kestrel server of the bench's own server modes (<c>sink</c>, <c>stub</c>): <c>--host</c> (default 127.0.0.1) and <c>--port</c> (default any free one), no logging.</summary>
internal static class LocalServer
{
    public static WebApplicationBuilder Create(BenchArgs args)
    {
        var host = args.Text("host", "127.0.0.1");
        var port = args.Int("port", 0, 0, 65535);
        args.RejectUnknown();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(host), port));
        return builder;
    }
}
