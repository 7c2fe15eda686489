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
        var listen = EndPointOf(args);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(listen));
        return builder;
    }

    /// <summary>The address <c>--host</c> and <c>--port</c> name; refuses any other option.</summary>
    public static IPEndPoint EndPointOf(BenchArgs args)
    {
        var host = args.Text("host", "127.0.0.1");
        var port = args.Int("port", 0, 0, 65535);
        args.RejectUnknown();
        return new IPEndPoint(IPAddress.Parse(host), port);
    }
}
