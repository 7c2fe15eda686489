using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RaftTimers.Support;

/// <summary>One callback request as the receiver saw it.</summary>
public sealed record Delivery(
    string TimerId,
    string IdempotencyKey,
    int Attempt,
    string Method,
    string Path,
    string? ContentType,
    string Body,
    DateTimeOffset ArrivedAt,
    int AnsweredStatus);

/// <summary>
/// An HTTP receiver for timer callbacks, in the test process on a loopback port: records every request
/// and lets a test make chosen timers fail a number of times first. Tests wait on it for events with
/// generous deadlines instead of sleeping.
/// </summary>
public sealed class CallbackSink : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<Delivery> deliveries = new();
    private readonly ConcurrentDictionary<string, int> failuresLeft = new();
    private readonly SemaphoreSlim arrived = new(0);

    private CallbackSink(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<Delivery> Deliveries => deliveries.ToArray();

    public static async Task<CallbackSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var sink = new CallbackSink(app);
        app.Run(sink.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sink.BaseUrl = address.TrimEnd('/');
        return sink;
    }

    /// <summary>Makes the next <paramref name="times"/> deliveries of <paramref name="timerId"/> answer 500.</summary>
    public void FailNext(string timerId, int times) => failuresLeft[timerId] = times;

    public string UrlFor(string name) => $"{BaseUrl}/hooks/{name}";

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var (id, key, attempt) = CallbackHeaders.Read(request);
        var status = 200;
        if (failuresLeft.TryGetValue(id, out var left) && left > 0)
        {
            failuresLeft[id] = left - 1;
            status = 500;
        }

        deliveries.Enqueue(new Delivery(
            id,
            key,
            attempt,
            request.Method,
            request.Path.Value ?? "",
            request.ContentType,
            body,
            DateTimeOffset.UtcNow,
            status));
        context.Response.StatusCode = status;
        arrived.Release();
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
