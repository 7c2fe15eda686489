using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace RaftTimers.Tools.Bench.Stub;

/// <summary>
/// <c>bench stub</c>: a stand-in timer server that does a create's HTTP work and nothing else: it reads and parses the
/// body, checks the callback URI, makes an id and answers <c>201</c> with <c>Location</c> and a JSON body shaped like a
/// node's. No Raft, no disk, no state. Three of them, loaded by <c>bench create --nodes ... --pids ...</c>, show what
/// this machine does with HTTP alone, the yardstick for a node's per-request cost (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Kestrel runs with the node's socket settings (src/Node/NodeHost.cs): completions inline on the socket engine's
/// thread, inline scheduling, a read buffer at once; idle thread-pool workers do not spin (tools/Bench/Bench.csproj).
/// </remarks>
public static class StubServer
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        var builder = LocalServer.Create(args);
        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = true;
            o.WaitForDataBeforeAllocatingBuffer = false;
        });
        var app = builder.Build();
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long next = 0;
        app.MapPost("/timer", async context =>
        {
            var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            long timeout;
            using (body)
            {
                var root = body.RootElement;
                timeout = root.GetProperty("timeout").GetInt64();
                var uri = root.GetProperty("callback").GetProperty("uri").GetString();
                if (!Uri.TryCreate(uri, UriKind.Absolute, out _))
                {
                    context.Response.StatusCode = 400;
                    return;
                }
            }

            var id = Interlocked.Increment(ref next).ToString("x12", CultureInfo.InvariantCulture);
            var response = context.Response;
            response.StatusCode = 201;
            response.Headers.Location = "/timer/" + id;
            response.ContentType = "application/json";
            var due = DateTimeOffset.FromUnixTimeMilliseconds(started + timeout).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            var json = $$"""{"id":"{{id}}","location":"/timer/{{id}}","dueAt":"{{due}}","version":1}""";
            response.ContentLength = json.Length;
            await response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
        });
        await app.StartAsync().ConfigureAwait(false);
        Console.Out.WriteLine(app.Urls.First());
        Console.Out.Flush();
        // Runs until Ctrl+C or SIGTERM (kill PID).
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
