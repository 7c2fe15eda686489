using System.Globalization;
using System.Threading.Channels;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Sink;

namespace RaftTimers.JepsenLike.Agent;

/// <summary>
/// <c>jepsen-agent sink --listen IP:PORT --log FILE [--seed N] [--faults PLAN]</c>: the callback receiver of a
/// run. Records every callback (timer id, Idempotency-Key, attempt, arrival time, what it answered) as a JSONL
/// line, and misbehaves as the fault plan says: slow answers, 503/429, or a dropped connection after the
/// request was fully processed.
/// </summary>
public static class SinkCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? listen = null, logPath = null, plan = null;
        var seed = 1;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--listen" when i + 1 < args.Length: listen = args[++i]; break;
                case "--log" when i + 1 < args.Length: logPath = args[++i]; break;
                case "--faults" when i + 1 < args.Length: plan = args[++i]; break;
                case "--seed" when i + 1 < args.Length: seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"sink: unexpected argument '{args[i]}'. usage: jepsen-agent sink --listen IP:PORT --log FILE [--seed N] [--faults PLAN]");
                    return 2;
            }
        }

        if (listen is null || logPath is null)
        {
            Console.Error.WriteLine("sink: --listen and --log are required");
            return 2;
        }

        FaultPlan faults;
        try
        {
            faults = FaultPlan.Parse(plan);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"sink: {e.Message}");
            return 2;
        }

        var random = new Random(seed);
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var writer = WriteLinesAsync(logPath, lines.Reader);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{listen}");
        var app = builder.Build();
        app.MapGet("/_sink/health", () => Results.Ok());
        app.Run(async context =>
        {
            var arrived = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalMilliseconds;
            using (var drain = new StreamReader(context.Request.Body))
                await drain.ReadToEndAsync(context.RequestAborted);
            double draw;
            lock (random)
                draw = random.NextDouble();
            var decision = faults.Decide(arrived, draw);
            var request = context.Request;
            var line = new SinkLog.Line(request.Headers["X-Timer-Id"].ToString(), request.Headers["Idempotency-Key"].ToString(),
                int.TryParse(request.Headers["X-Timer-Attempt"], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) ? attempt : 0,
                arrived, decision.Status, decision.Action.ToString().ToLowerInvariant(), request.Method, request.Path.Value);

            if (decision.Delay > TimeSpan.Zero)
                await Task.Delay(decision.Delay, context.RequestAborted);
            lines.Writer.TryWrite(SinkLog.Format(line));
            if (decision.Action == SinkAction.Drop)
            {
                context.Abort();
                return;
            }

            context.Response.StatusCode = decision.Status;
            if (decision.Status == 429)
                context.Response.Headers.RetryAfter = "1";
        });

        await app.StartAsync();
        Console.WriteLine($"listening on http://{listen}");
        await Console.Out.FlushAsync();
        await app.WaitForShutdownAsync();
        lines.Writer.TryComplete();
        await writer;
        return 0;
    }

    /// <summary>One writer, flushed at least every 100 ms, so a reader sees a delivery soon after it happened.</summary>
    private static async Task WriteLinesAsync(string path, ChannelReader<string> lines)
    {
        await using var file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
        while (await lines.WaitToReadAsync())
        {
            while (lines.TryRead(out var line))
                await file.WriteLineAsync(line);
            await file.FlushAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
