using System.Net.Http.Headers;
using System.Reflection;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Delivers a timer as one HTTP request (docs/api.md): the callback's method and URI; the data as the body
/// (text/plain for a string, application/json for an object, none when absent); headers
/// <c>User-Agent</c>, <c>X-Timer-Id</c>, <c>Idempotency-Key: {id}:{version}:{firedAtIndex}</c>, <c>X-Timer-Attempt</c>,
/// and the timer's own <c>callback.headers</c>;
/// with a <see cref="CallbackSigner"/>, also <c>webhook-id</c> (the idempotency key), <c>webhook-timestamp</c> (this
/// attempt's time, Unix seconds) and <c>webhook-signature</c>.
/// 2xx is success; anything else, or no answer within the attempt timeout, is a failure.
/// Connections are pooled and kept alive. With an <see cref="ICallbackAddressGuard"/>, every new connection
/// goes through <see cref="CallbackSockets"/>, and a target the guard refuses is a permanent failure.
/// </summary>
public sealed class HttpCallbackTransport : ICallbackTransport, IDisposable
{
    public const string TransportName = "http";

    private static readonly string UserAgent =
        $"RaftTimers/{typeof(HttpCallbackTransport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0"}";

    private static readonly MediaTypeHeaderValue TextPlain = MediaTypeHeaderValue.Parse("text/plain; charset=utf-8");
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json");

    private readonly HttpClient client;
    private readonly TimeSpan attemptTimeout;
    private readonly CallbackSigner? signer;
    private readonly TimeProvider clock;

    /// <param name="options">Connection pool sizes and the attempt timeout.</param>
    /// <param name="guard">Checks each address before a connection opens; null connects anywhere.</param>
    /// <param name="signer">Signs every attempt; null sends callbacks unsigned.</param>
    /// <param name="clock">Gives each signed attempt its <c>webhook-timestamp</c>; the system clock when null.</param>
    public HttpCallbackTransport(DeliveryOptions options, ICallbackAddressGuard? guard = null, CallbackSigner? signer = null, TimeProvider? clock = null)
    {
        this.signer = signer;
        this.clock = clock ?? TimeProvider.System;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromMilliseconds(options.AttemptTimeoutMs),
        };
        if (guard is not null)
            handler.ConnectCallback = CallbackSockets.HttpConnector(guard);
        client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        attemptTimeout = TimeSpan.FromMilliseconds(options.AttemptTimeoutMs);
    }

    public string Name => TransportName;

    public string TargetShape => "an absolute http or https URI";

    public bool Accepts(Uri target) => target.Scheme is "http" or "https" && !string.IsNullOrEmpty(target.Host);

    public async Task<AttemptResult> SendAsync(TimerRecord timer, int attempt, CancellationToken token)
    {
        using var request = BuildRequest(timer, attempt, signer, clock);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(attemptTimeout);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? AttemptResult.Success
                : AttemptResult.Failure(ReceiverText.Clean($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"));
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return AttemptResult.Failure($"no answer within {attemptTimeout.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException e) when (e.InnerException is CallbackTargetDeniedException denied)
        {
            return AttemptResult.Refused($"callback target denied: {denied.Message}");
        }
        catch (HttpRequestException e)
        {
            return AttemptResult.Failure(ReceiverText.Clean($"request failed: {e.Message}"));
        }
    }

    internal static HttpRequestMessage BuildRequest(TimerRecord timer, int attempt, CallbackSigner? signer, TimeProvider clock)
    {
        var spec = timer.Spec;
        var method = new HttpMethod(spec.Callback.Method.ToUpperInvariant());
        var request = new HttpRequestMessage(method, spec.Callback.Uri);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.TryAddWithoutValidation("X-Timer-Id", timer.Id);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", timer.IdempotencyKey);
        request.Headers.TryAddWithoutValidation("X-Timer-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // None of these can be one the node sets or a body header (TimerHeaders.ReservedNames), so they all belong here.
        if (spec.Headers is { } headers)
        {
            foreach (var (name, value) in headers.Items)
                request.Headers.TryAddWithoutValidation(name, value);
        }

        var sendsBody = spec.Data.Kind != TimerDataKind.None && method != HttpMethod.Get && method != HttpMethod.Head;
        if (sendsBody)
        {
            var content = new ReadOnlyMemoryContent(spec.Data.Utf8);
            content.Headers.ContentType = spec.Data.Kind == TimerDataKind.Text ? TextPlain : Json;
            request.Content = content;
        }

        if (signer is not null)
        {
            // The key stays the same across attempts and re-deliveries, as Standard Webhooks asks of webhook-id.
            var messageId = timer.IdempotencyKey;
            var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
            request.Headers.TryAddWithoutValidation("webhook-id", messageId);
            request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("webhook-signature", signer.Sign(messageId, timestamp, sendsBody ? spec.Data.Utf8.Span : default));
        }

        return request;
    }

    public void Dispose() => client.Dispose();
}
