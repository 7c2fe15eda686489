using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RaftTimers.Client.AspNetCore;

namespace RaftTimers.Client.Tests;

/// <summary>
/// An ASP.NET Core endpoint behind <c>RequireTimerCallback</c>, served by Kestrel on loopback: a signed callback runs the
/// handler once, its repeat is answered 200 without it, a bad or missing signature is 401, a request without a key is
/// 400, a handler that fails leaves the key for the retry, and the handler sees the checked callback and its body.
/// </summary>
public sealed class CallbackEndpointTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private readonly List<ReceivedCallback> handled = [];
    private readonly HttpClient client = new();
    private WebApplication? app;
    private string baseUrl = "";
    private int failuresLeft;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        app.MapPost("/signed", async (HttpContext http) =>
            {
                var callback = http.Features.Get<ReceivedCallback>()!;
                var again = await new StreamReader(http.Request.Body).ReadToEndAsync();
                Assert.Equal(Encoding.UTF8.GetString(callback.Body.Span), again);
                lock (handled)
                    handled.Add(callback);
                return Interlocked.Decrement(ref failuresLeft) >= 0 ? Results.StatusCode(503) : Results.Ok();
            })
            .RequireTimerCallback(o => o.SigningSecrets.Add(Secret));
        app.MapPost("/plain", (HttpContext http) =>
            {
                lock (handled)
                    handled.Add(http.Features.Get<ReceivedCallback>()!);
                return Results.NoContent();
            })
            .RequireTimerCallback(o => o.MaxBodyBytes = 16);
        await app.StartAsync();
        baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        if (app is not null)
            await app.DisposeAsync();
    }

    /// <summary>A callback as a node sends it, signed with <paramref name="secret"/> as Standard Webhooks says.</summary>
    private static HttpRequestMessage Callback(string path, string key, string body, string? secret = Secret, int attempt = 1, long? timestamp = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Timer-Id", key.Split(':')[0]);
        request.Headers.Add("X-Timer-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("Idempotency-Key", key);
        if (secret is not null)
        {
            var at = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            using var hmac = new HMACSHA256(Convert.FromBase64String(secret["whsec_".Length..]));
            var signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{key}.{at}.{body}")));
            request.Headers.Add("webhook-id", key);
            request.Headers.Add("webhook-timestamp", at.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", $"v1,{signature}");
        }

        return request;
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request)
    {
        request.RequestUri = new Uri(new Uri(baseUrl), request.RequestUri!.OriginalString);
        using (request)
        using (var answer = await client.SendAsync(request))
            return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_signed_callback_runs_the_handler_once_and_its_repeat_is_answered_200_without_it()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Callback("/signed", "order-1:1:42", "{\"order\":1}"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Callback("/signed", "order-1:1:42", "{\"order\":1}", attempt: 2))).Status);

        var only = Assert.Single(handled);
        Assert.Equal(("order-1", "order-1:1:42", 1, "{\"order\":1}"), (only.TimerId, only.IdempotencyKey, only.Attempt, Encoding.UTF8.GetString(only.Body.Span)));
    }

    [Fact]
    public async Task A_bad_missing_or_stale_signature_is_401_and_the_handler_does_not_run()
    {
        var wrongSecret = "whsec_" + Convert.ToBase64String(new byte[32]);
        var refused = new[]
        {
            (await SendAsync(Callback("/signed", "order-2:1:7", "{}", wrongSecret))),
            (await SendAsync(Callback("/signed", "order-2:1:7", "{}", secret: null))),
            (await SendAsync(Callback("/signed", "order-2:1:7", "{}", timestamp: DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds()))),
        };

        Assert.All(refused, r => Assert.Equal(HttpStatusCode.Unauthorized, r.Status));
        Assert.Contains("BadSignature", refused[0].Body, StringComparison.Ordinal);
        Assert.Contains("MissingHeaders", refused[1].Body, StringComparison.Ordinal);
        Assert.Contains("BadTimestamp", refused[2].Body, StringComparison.Ordinal);
        Assert.Empty(handled);
        // Refusals mark nothing as handled: the properly signed delivery still runs.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Callback("/signed", "order-2:1:7", "{}"))).Status);
        Assert.Single(handled);
    }

    [Fact]
    public async Task A_handler_that_fails_leaves_the_key_so_the_retry_runs_it_again()
    {
        failuresLeft = 1;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(Callback("/signed", "order-3:1:9", "{}"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Callback("/signed", "order-3:1:9", "{}", attempt: 2))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Callback("/signed", "order-3:1:9", "{}", attempt: 3))).Status);

        Assert.Equal([1, 2], handled.Select(h => h.Attempt));
    }

    [Fact]
    public async Task Without_secrets_no_signature_is_asked_for_but_a_key_is_and_a_large_body_is_413()
    {
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(Callback("/plain", "t:1:1", "{}", secret: null))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Callback("/plain", "t:1:1", "{}", secret: null))).Status);

        var noKey = new HttpRequestMessage(HttpMethod.Post, "/plain") { Content = new StringContent("{}") };
        var (status, reason) = await SendAsync(noKey);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("no Idempotency-Key", reason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await SendAsync(Callback("/plain", "t:1:2", new string('x', 17), secret: null))).Status);
        Assert.Single(handled);
    }
}
