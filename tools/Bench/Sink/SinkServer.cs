using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RaftTimers.Support;
using RaftTimers.Tools.Bench.Load;

namespace RaftTimers.Tools.Bench.Sink;

/// <summary>
/// <c>bench sink</c>: the callback receiver (<see cref="CallbackSink"/>), run as its own process so its work and pauses
/// are not the load generator's. Any request to <c>/cb</c> or <c>/cb/RUN/SEQ</c> is answered 200 at once and recorded with its arrival
/// time (Unix µs, taken before the body is read), its <c>X-Timer-Id</c> / <c>Idempotency-Key</c> headers, and the
/// run and seq from its path (or the body's <c>seq</c>). <c>GET /records</c> returns them as tab-separated lines,
/// <c>GET /count</c> how many there are.
/// </summary>
public static class SinkServer
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var records = new ArrivalLog();
        await using var sink = await CallbackSink.StartAsync(new CallbackSinkOptions
        {
            Listen = LocalServer.EndPointOf(args),
            IsCallback = static path => path.StartsWithSegments("/cb"),
            MapOther = app =>
            {
                app.MapGet("/records", async context =>
                {
                    context.Response.ContentType = "text/tab-separated-values";
                    await context.Response.WriteAsync(records.ToText(), context.RequestAborted).ConfigureAwait(false);
                });
                app.MapGet("/count", context => context.Response.WriteAsync(records.Count.ToString(CultureInfo.InvariantCulture), context.RequestAborted));
            },
            Record = (arrival, _, _) =>
            {
                var (run, seq) = FromPath(arrival.Path);
                records.Add(arrival.ArrivedAtUnixMicros, arrival.TimerId, arrival.IdempotencyKey, seq ?? Seq(arrival.Body), run);
                return ValueTask.CompletedTask;
            },
            KeepInMemory = false,
        }).ConfigureAwait(false);
        Console.Out.WriteLine(sink.BaseUrl);
        Console.Out.Flush();
        var done = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            done.TrySetResult();
        };
        // The driver closes our stdin when it is done (or dies): stop then.
        _ = Task.Run(async () =>
        {
            await Console.In.ReadToEndAsync().ConfigureAwait(false);
            done.TrySetResult();
        });
        await done.Task.ConfigureAwait(false);
        return 0;
    }

    /// <summary>The run and sequence number of a <c>/cb/RUN/SEQ</c> path (<see cref="TimerShape"/>); no seq for other paths.</summary>
    private static (string Run, long? Seq) FromPath(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 3 && parts[0] == "cb" && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? (parts[1], seq)
            : ("", null);
    }

    /// <summary>The <c>seq</c> number of a body like <c>{"seq":123,...}</c>, or -1.</summary>
    private static long Seq(string body)
    {
        var at = body.IndexOf("\"seq\":", StringComparison.Ordinal);
        if (at < 0)
            return -1;
        at += 6;
        var end = at;
        while (end < body.Length && char.IsAsciiDigit(body[end]))
            end++;
        return long.TryParse(body.AsSpan(at, end - at), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : -1;
    }
}
