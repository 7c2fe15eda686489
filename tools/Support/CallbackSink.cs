using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RaftTimers.Support;

/// <summary>One callback as the receiver read it: its headers (<see cref="CallbackHeaders"/>), request line and body, and when it arrived.</summary>
public sealed record CallbackArrival(
    string TimerId,
    string IdempotencyKey,
    int Attempt,
    string Method,
    string Path,
    string? ContentType,
    string Body,
    long ArrivedAtUnixMicros);

/// <summary>
/// How the sink answers one callback: a status (429 with <c>Retry-After: 1</c>), after a delay, or by dropping the
/// connection; <paramref name="Label"/> names the answer for a sink's records.
/// </summary>
public readonly record struct CallbackAnswer(int Status, TimeSpan Delay = default, bool Drop = false, string? Label = null)
{
    public static CallbackAnswer Ok => new(200);
}

/// <summary>One callback request as the tests' in-memory sink kept it, with the status it answered.</summary>
public sealed record Delivery(
    string TimerId,
    string IdempotencyKey,
    int Attempt,
    string Method,
    string Path,
    string? ContentType,
    string Body,
    DateTimeOffset ArrivedAt,
    int AnsweredStatus)
{
    /// <summary>Every request header as it arrived (names compared ignoring case; several values joined by commas).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>How a <see cref="CallbackSink"/> listens, answers and records; the defaults are the tests' sink.</summary>
public sealed class CallbackSinkOptions
{
    /// <summary>Where to listen; by default a free loopback port.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Which requests are callbacks; the others go to <see cref="MapOther"/>'s routes (404 otherwise). All by default.</summary>
    public Func<PathString, bool> IsCallback { get; init; } = static _ => true;

    /// <summary>Routes of the sink's own beside the callbacks (health, records).</summary>
    public Action<WebApplication>? MapOther { get; init; }

    /// <summary>The answer to a callback, decided once it is read. 200 by default, or 500 for the failures asked for with <see cref="CallbackSink.FailNext"/>.</summary>
    public Func<CallbackArrival, CallbackAnswer>? Answer { get; init; }

    /// <summary>
    /// Called for every callback before its answer goes out, with whether it is answered (false when the caller went
    /// away first, or the answer drops the connection). Whoever saw the answer can then find the record.
    /// </summary>
    public Func<CallbackArrival, CallbackAnswer, bool, ValueTask>? Record { get; init; }

    /// <summary>Keep every callback in memory (<see cref="CallbackSink.Deliveries"/>); off for sinks that record elsewhere.</summary>
    public bool KeepInMemory { get; init; } = true;

    /// <summary>The arrival time's clock, read before the body.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How long a stop waits for answers still being delayed.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The one HTTP receiver of timer callbacks, for the tests (in their process, recording every request in memory and
/// failing chosen timers first), the benchmark's sink process and the fault-injection agent's (each with its own
/// answers and records). Tests wait on it for events with generous deadlines instead of sleeping.
/// </summary>
public sealed class CallbackSink : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CallbackSinkOptions options;
    private readonly ConcurrentQueue<Delivery> deliveries = new();
    private readonly ConcurrentDictionary<string, int> failuresLeft = new();
    private readonly SemaphoreSlim arrived = new(0);

    private CallbackSink(WebApplication app, CallbackSinkOptions options)
    {
        this.app = app;
        this.options = options;
    }

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<Delivery> Deliveries => deliveries.ToArray();

    /// <summary>Starts listening; throws <see cref="IOException"/> when the address cannot be bound.</summary>
    public static async Task<CallbackSink> StartAsync(CallbackSinkOptions? options = null)
    {
        options ??= new CallbackSinkOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.Listen));
        // Answers still being delayed must not hold up a stop.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        var app = builder.Build();
        var sink = new CallbackSink(app, options);
        app.Use((context, next) => options.IsCallback(context.Request.Path) ? sink.HandleAsync(context) : next(context));
        options.MapOther?.Invoke(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sink.BaseUrl = address.TrimEnd('/');
        return sink;
    }

    /// <summary>Makes the next <paramref name="times"/> deliveries of <paramref name="timerId"/> answer 500.</summary>
    public void FailNext(string timerId, int times) => failuresLeft[timerId] = times;

    public string UrlFor(string name) => $"{BaseUrl}/hooks/{name}";

    /// <summary>Until the host is told to stop (SIGTERM, or <see cref="DisposeAsync"/>).</summary>
    public Task WaitForShutdownAsync() => app.WaitForShutdownAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var arrivedAt = options.Time.GetUtcNow();
        var request = context.Request;
        string body;
        var answered = true;
        try
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            body = "";
            answered = false;
        }

        var (id, key, attempt) = CallbackHeaders.Read(request);
        var arrival = new CallbackArrival(id, key, attempt, request.Method, request.Path.Value ?? "", request.ContentType, body,
            (arrivedAt - DateTimeOffset.UnixEpoch).Ticks / 10);
        var answer = options.Answer?.Invoke(arrival) ?? DefaultAnswer(id);
        if (answered && answer.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(answer.Delay, options.Time, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                answered = false;
            }
        }

        answered &= !answer.Drop;
        if (options.Record is { } record)
            await record(arrival, answer, answered);
        if (options.KeepInMemory)
        {
            deliveries.Enqueue(new Delivery(id, key, attempt, arrival.Method, arrival.Path, arrival.ContentType, body, arrivedAt,
                answered ? answer.Status : 0)
            {
                Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            });
            arrived.Release();
        }

        if (!answered)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = answer.Status;
        if (answer.Status == StatusCodes.Status429TooManyRequests)
            context.Response.Headers.RetryAfter = "1";
    }

    private CallbackAnswer DefaultAnswer(string timerId)
    {
        while (failuresLeft.TryGetValue(timerId, out var left) && left > 0)
        {
            if (failuresLeft.TryUpdate(timerId, left - 1, left))
                return new CallbackAnswer(StatusCodes.Status500InternalServerError);
        }

        return CallbackAnswer.Ok;
    }

    /// <summary>Waits until <paramref name="done"/> holds for the deliveries seen so far, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<Delivery>, bool> done, TimeSpan timeout, Func<string>? explain = null)
    {
        var clock = Stopwatch.StartNew();
        while (!done(Deliveries))
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"callback condition not met within {timeout}; {Deliveries.Count} deliveries seen. {explain?.Invoke()}");
            await arrived.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
