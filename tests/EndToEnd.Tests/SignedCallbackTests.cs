using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RaftTimers.Client;
using RaftTimers.Client.Receiving;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Signed callbacks (docs/api.md, "Signed callbacks") through a real 3-node cluster whose nodes hold two secrets, as
/// during a rotation: a receiver holding only the new one verifies every callback whichever node took the create; a
/// retried attempt is signed again under the same <c>webhook-id</c>; a receiver with another secret refuses them all.
/// </summary>
public sealed class SignedCallbackTests
{
    private static readonly string OldSecret = "whsec_" + Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());
    private static readonly string NewSecret = "whsec_" + Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray());

    private sealed record Arrival(string TimerId, string WebhookId, string Timestamp, string Signature, byte[] Body, CallbackCheck Check);

    [Fact]
    public async Task Every_callback_verifies_under_the_new_secret_and_a_retry_is_signed_again_under_the_same_id()
    {
        var verifier = new CallbackVerifier([NewSecret]);
        var arrivals = new ConcurrentQueue<Arrival>();
        var failedOnce = new ConcurrentDictionary<string, bool>();
        await using var sink = await CallbackSink.StartAsync(new CallbackSinkOptions
        {
            IsCallback = static path => !path.StartsWithSegments("/signed"),
            MapOther = app => app.MapMethods("/signed/{id}", ["POST", "PUT", "GET"], async (HttpContext context, string id) =>
            {
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
                var headers = context.Request.Headers;
                var body = buffer.ToArray();
                var check = verifier.Verify(headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"], body);
                arrivals.Enqueue(new Arrival(id, headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(),
                    headers["webhook-signature"].ToString(), body, check));
                // The receiver's first answer to "*-retry" fails, so the same firing is attempted again.
                if (id.EndsWith("-retry", StringComparison.Ordinal) && failedOnce.TryAdd(id, true))
                    return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
                return check == CallbackCheck.Valid ? Results.Ok() : Results.Unauthorized();
            }),
        });

        await using var cluster = await LocalCluster.StartAsync(3,
            $"--RaftTimers:Security:Callbacks:SigningSecrets={OldSecret},{NewSecret}", "--RaftTimers:Delivery:InitialBackoffMs=200");
        var http = cluster.Http;
        var prefix = $"signed-{Guid.NewGuid():N}"[..18];
        var expected = new Dictionary<string, TimerRequest>
        {
            [$"{prefix}-json"] = TimerRequest.After(TimeSpan.FromMilliseconds(300), $"{sink.BaseUrl}/signed/{prefix}-json",
                new JsonObject { ["order"] = 42, ["note"] = "ünïcödé" }),
            [$"{prefix}-text"] = TimerRequest.After(TimeSpan.FromMilliseconds(300), $"{sink.BaseUrl}/signed/{prefix}-text", "cart-42", method: "put"),
            [$"{prefix}-none"] = TimerRequest.After(TimeSpan.FromMilliseconds(300), $"{sink.BaseUrl}/signed/{prefix}-none"),
            [$"{prefix}-retry"] = TimerRequest.After(TimeSpan.FromMilliseconds(300), $"{sink.BaseUrl}/signed/{prefix}-retry", "again"),
        };
        var node = 0;
        foreach (var (id, request) in expected)
            await http.Client(cluster.Urls[node++ % cluster.Urls.Count]).CreateAsync(request, id);

        await Poll.UntilAsync(() => Task.FromResult(arrivals.ToArray()),
            seen => expected.Keys.All(id => seen.Any(a => a.TimerId == id && a.Check == CallbackCheck.Valid)) && seen.Count(a => a.TimerId == $"{prefix}-retry") >= 2,
            TimeSpan.FromSeconds(60), seen => $"arrived: {string.Join(", ", seen.Select(a => $"{a.TimerId} {a.Check}"))}");

        Assert.All(arrivals, a => Assert.Equal(CallbackCheck.Valid, a.Check));
        Assert.All(arrivals, a => Assert.Equal(2, a.Signature.Split(' ').Length));
        var retries = arrivals.Where(a => a.TimerId == $"{prefix}-retry").ToList();
        Assert.Equal(2, retries.Count);
        Assert.Equal(retries[0].WebhookId, retries[1].WebhookId);
        Assert.StartsWith($"{prefix}-retry:1:", retries[0].WebhookId, StringComparison.Ordinal);

        // A receiver holding another secret refuses each of these very callbacks.
        var stranger = new CallbackVerifier(["whsec_" + Convert.ToBase64String(new byte[32])]);
        Assert.All(arrivals, a => Assert.Equal(CallbackCheck.BadSignature, stranger.Verify(a.WebhookId, a.Timestamp, a.Signature, a.Body)));
    }

    [Fact]
    public async Task A_malformed_secret_stops_the_node_at_startup_naming_the_setting_and_not_the_secret()
    {
        var ports = FreePorts.FindRun(2);
        var secret = "whsec_dG9vLXNob3J0";
        var dataDirectory = Path.Combine(Path.GetTempPath(), "rafttimers-tests", Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var exit = await NodeProcess.RunUntilExitAsync(["--node-id", "n1", "--http", $"http://127.0.0.1:{ports}", "--raft", $"127.0.0.1:{ports + 1}",
                "--data", dataDirectory, "--bootstrap", "true", $"--RaftTimers:Security:Callbacks:SigningSecrets={secret}"]);
            Assert.True(exit.Code == 2, $"exit code {exit.Code}: {exit.Output}");
            Assert.Contains("RaftTimers:Security:Callbacks:SigningSecrets: secret 1 holds 9 bytes", exit.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, exit.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
                Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
