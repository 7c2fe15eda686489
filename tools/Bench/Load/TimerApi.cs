using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// A client of the Skyring-compatible timer API (POST /timer, DELETE /timer/{id}) over pooled keep-alive
/// HTTP/1.1 connections. It sends nothing a Skyring server would not understand except the optional
/// <c>x-timer-id</c> header, which Skyring ignores; ids come back from the <c>Location</c> header.
/// </summary>
public sealed class TimerApi : IDisposable
{
    private readonly HttpClient http;
    private readonly TimeSpan requestTimeout;
    private readonly bool raw;
    private readonly ConcurrentDictionary<Uri, ConcurrentBag<RawHttpConnection>> pools = new();

    /// <param name="raw">Timer requests over <see cref="RawHttpConnection"/> (default) instead of HttpClient.</param>
    public TimerApi(int connectionsPerServer, TimeSpan requestTimeout, bool raw = true)
    {
        this.requestTimeout = requestTimeout;
        this.raw = raw;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connectionsPerServer,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        })
        {
            Timeout = requestTimeout,
        };
        http.DefaultRequestHeaders.ExpectContinue = false;
    }

    public async Task<CreateResponse> CreateAsync(Uri server, byte[] body, string? timerId, CancellationToken token)
    {
        if (raw)
        {
            var r = await SendRawAsync(server, "POST", "/timer", timerId is null ? null : $"x-timer-id: {timerId}\r\n", body, token).ConfigureAwait(false);
            if (r.Status != 201)
                return new CreateResponse(r.Status, null, [], r.Reason);
            var at = r.Location is null ? timerId : r.Location[(r.Location.LastIndexOf('/') + 1)..];
            return new CreateResponse(r.Status, at, r.Content, null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "/timer"))
        {
            Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } },
        };
        if (timerId is not null)
            request.Headers.TryAddWithoutValidation("x-timer-id", timerId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status != 201)
            return new CreateResponse(status, null, [], Reason(response));
        var location = response.Headers.Location?.OriginalString;
        var id = location is null ? timerId : location[(location.LastIndexOf('/') + 1)..];
        return new CreateResponse(status, id, await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false), null);
    }

    public async Task<(int Status, string? Reason)> CancelAsync(Uri server, string id, CancellationToken token)
    {
        if (raw)
        {
            var r = await SendRawAsync(server, "DELETE", "/timer/" + Uri.EscapeDataString(id), null, default, token).ConfigureAwait(false);
            return (r.Status, r.Reason);
        }

        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(server, "/timer/" + Uri.EscapeDataString(id)));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        return (status, status is 200 or 202 or 204 ? null : Reason(response));
    }

    public async Task<JsonDocument> GetJsonAsync(Uri url, CancellationToken token)
    {
        using var response = await http.GetAsync(url, token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
        return JsonDocument.Parse(bytes);
    }

    private async Task<RawResponse> SendRawAsync(Uri server, string method, string path, string? headers, ReadOnlyMemory<byte> body, CancellationToken token)
    {
        var pool = pools.GetOrAdd(server, static _ => []);
        if (!pool.TryTake(out var connection))
            connection = new RawHttpConnection(server);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(requestTimeout);
        try
        {
            var response = await connection.SendAsync(method, path, headers, body, timeout.Token).ConfigureAwait(false);
            pool.Add(connection);
            return response;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            connection.Dispose();
            throw new TimeoutException($"no answer within {requestTimeout.TotalSeconds:F0} s");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static string? Reason(HttpResponseMessage response)
        => response.Headers.TryGetValues("x-skyring-reason", out var values) ? string.Join("; ", values) : response.ReasonPhrase;

    /// <summary>RaftTimers answers a create with the server's <c>dueAt</c>; other Skyring servers may not.</summary>
    internal static long? DueAt(byte[] content)
    {
        if (content.Length == 0)
            return null;
        try
        {
            using var doc = JsonDocument.Parse(content);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("dueAt", out var due) && due.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(due.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                return at.ToUnixTimeMilliseconds();
        }
        catch (JsonException)
        {
        }

        return null;
    }

    public void Dispose()
    {
        http.Dispose();
        foreach (var pool in pools.Values)
        {
            foreach (var connection in pool)
                connection.Dispose();
        }
    }
}

/// <summary>A create's answer; its body is parsed only by the modes that need the due time (precision, failover).</summary>
public readonly record struct CreateResponse(int Status, string? Id, byte[] Body, string? Reason)
{
    /// <summary>The server's due time when its answer says so.</summary>
    public long? DueAtUnixMs => TimerApi.DueAt(Body);
}
