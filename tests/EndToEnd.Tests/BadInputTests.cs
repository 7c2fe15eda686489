using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Bad requests get the documented 4xx with a reason (x-skyring-reason and a problem+json body), never a
/// 500; the cluster keeps serving, and no rejected request ever fires.
/// </summary>
[Collection(ThreeNodeCollection.Name)]
public sealed class BadInputTests(ThreeNodeCluster fixture)
{
    public sealed record Case(string Name, string Method, string Path, string? Body, int Status, string? TimerId = null, string? ReasonContains = null)
    {
        public override string ToString() => Name;
    }

    private const string Hook = "{HOOK}";

    private static string Timer(string timeout, string callback = $$"""{"transport":"http","method":"post","uri":"{{Hook}}"}""", string data = "\"x\"")
        => $$"""{"timeout":{{timeout}},"data":{{data}},"callback":{{callback}}}""";

    private static readonly Case[] AllCases =
    [
        new("malformed JSON", "POST", "/timer", """{"timeout": 1000, "callback": {""", 400, "bad-malformed", "malformed JSON"),
        new("trailing garbage", "POST", "/timer", Timer("1000") + " xyz", 400, "bad-trailing", "malformed JSON"),
        new("null body", "POST", "/timer", "null", 400, "bad-null", "JSON object"),
        new("empty body", "POST", "/timer", "", 400, "bad-empty", "empty"),
        new("array body", "POST", "/timer", "[]", 400, "bad-array", "JSON object"),
        new("timeout as string", "POST", "/timer", Timer("\"1000\""), 400, "bad-timeout-string", "timeout"),
        new("timeout missing", "POST", "/timer", $$$"""{"callback":{"transport":"http","method":"post","uri":"{{{Hook}}}"}}""", 400, "bad-timeout-missing", "timeout"),
        new("timeout zero", "POST", "/timer", Timer("0"), 400, "bad-timeout-zero", "timeout"),
        new("timeout negative", "POST", "/timer", Timer("-5"), 400, "bad-timeout-negative", "timeout"),
        new("timeout too large", "POST", "/timer", Timer("2147483648"), 400, "bad-timeout-large", "timeout"),
        new("timeout not an integer", "POST", "/timer", Timer("1.5"), 400, "bad-timeout-fraction", "timeout"),
        new("timeout boolean", "POST", "/timer", Timer("true"), 400, "bad-timeout-bool", "timeout"),
        new("callback missing", "POST", "/timer", """{"timeout":1000}""", 400, "bad-callback-missing", "callback"),
        new("callback a string", "POST", "/timer", Timer("1000", "\"http://127.0.0.1/\""), 400, "bad-callback-string", "callback"),
        new("callback uri missing", "POST", "/timer", Timer("1000", """{"transport":"http","method":"post"}"""), 400, "bad-uri-missing", "uri"),
        new("callback method missing", "POST", "/timer", Timer("1000", $$"""{"transport":"http","uri":"{{Hook}}"}"""), 400, "bad-method-missing", "method"),
        new("callback transport missing", "POST", "/timer", Timer("1000", $$"""{"method":"post","uri":"{{Hook}}"}"""), 400, "bad-transport-missing", "transport"),
        new("callback uri a number", "POST", "/timer", Timer("1000", """{"transport":"http","method":"post","uri":5}"""), 400, "bad-uri-number", "uri"),
        new("unknown transport", "POST", "/timer", Timer("1000", $$"""{"transport":"pigeon","method":"post","uri":"{{Hook}}"}"""), 400, "bad-transport", "transport"),
        new("unsupported method", "POST", "/timer", Timer("1000", $$"""{"transport":"http","method":"trace","uri":"{{Hook}}"}"""), 400, "bad-method", "method"),
        new("relative uri", "POST", "/timer", Timer("1000", """{"transport":"http","method":"post","uri":"/hooks/relative"}"""), 400, "bad-relative-uri", "uri"),
        new("non-http uri", "POST", "/timer", Timer("1000", """{"transport":"http","method":"post","uri":"ftp://127.0.0.1/x"}"""), 400, "bad-ftp-uri", "uri"),
        new("data a number", "POST", "/timer", Timer("1000", data: "5"), 400, "bad-data-number", "data"),
        new("data an array", "POST", "/timer", Timer("1000", data: "[1,2]"), 400, "bad-data-array", "data"),
        new("data a lone surrogate escape", "POST", "/timer", Timer("1000", data: "\"\\ud800\""), 400, "bad-data-surrogate", "data"),
        new("oversized body", "POST", "/timer", Timer("1000", data: "\"" + new string('a', 70 * 1024) + "\""), 413, "bad-oversized", "limit"),
        new("id too long", "POST", "/timer", Timer("1000"), 400, new string('i', 129), "x-timer-id"),
        new("id with illegal characters", "POST", "/timer", Timer("1000"), 400, "bad*id", "x-timer-id"),
        new("id that is a dot segment", "POST", "/timer", Timer("1000"), 400, ".", "other than . and .."),
        new("id that is two dot segments", "POST", "/timer", Timer("1000"), 400, "..", "other than . and .."),
        new("get with an id too long", "GET", "/timer/" + new string('g', 129), null, 400, null, "timer id"),
        new("replace with an id too long", "PUT", "/timer/" + new string('p', 129), Timer("1000"), 400, null, "timer id"),
        new("cancel with an id too long", "DELETE", "/timer/" + new string('d', 129), null, 400, null, "timer id"),
        new("replace of an unknown timer", "PUT", "/timer/bad-unknown-put", Timer("1000"), 404, null, "no pending timer"),
        new("replace with a bad body", "PUT", "/timer/bad-put-body", Timer("0"), 400, null, "timeout"),
        new("cancel of an unknown timer", "DELETE", "/timer/bad-unknown-delete", null, 404, null, "no pending timer"),
        new("get of an unknown timer", "GET", "/timer/bad-unknown-get", null, 404, null, "no timer"),
        new("list with a zero limit", "GET", "/timer?limit=0", null, 400, null, "limit"),
        new("list with an unknown state", "GET", "/timer?state=sleeping", null, 400, null, "state"),
        new("unknown endpoint", "GET", "/timers-and-more", null, 404, null, "no such endpoint"),
        new("unknown endpoint that looks like a file", "GET", "/openapi/v2.json", null, 404, null, "no such endpoint"),
        new("wrong method on the document", "POST", "/openapi/v1.json", null, 404, null, "no such endpoint"),
    ];

    public static TheoryData<Case> Cases() => new(AllCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_requests_get_the_documented_error_with_a_reason(Case c)
    {
        var hook = fixture.Sink.UrlFor("rejected");
        foreach (var node in fixture.Cluster.Urls)
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), node + c.Path);
            if (c.Body is not null)
                request.Content = new StringContent(c.Body.Replace(Hook, hook, StringComparison.Ordinal), Encoding.UTF8, "application/json");
            if (c.TimerId is not null)
                request.Headers.TryAddWithoutValidation("x-timer-id", c.TimerId);

            using var response = await fixture.Cluster.Http.SendAsync(request);
            var reason = TimerApi.Reason(response);
            Assert.True(c.Status == (int)response.StatusCode, $"{c.Name} via {node}: expected {c.Status}, got {(int)response.StatusCode} ({reason})");
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{c.Name}: no x-skyring-reason");
            if (c.ReasonContains is not null)
                Assert.Contains(c.ReasonContains, reason, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(c.Status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }
    }

    /// <summary>A body that does not announce its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_without_a_content_length_gets_413_and_creates_nothing()
    {
        var (leader, follower, _) = await fixture.RolesAsync();
        foreach (var node in new[] { leader, follower })
        {
            var id = $"bad-chunked-{Guid.NewGuid():N}";
            // A stream of unknown length goes out chunked: the limit has to hold while reading, not from the header.
            var body = Timer("1000", data: "\"" + new string('c', 70 * 1024) + "\"").Replace(Hook, fixture.Sink.UrlFor("rejected"), StringComparison.Ordinal);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{node}/timer") { Content = new UnknownLengthContent(Encoding.UTF8.GetBytes(body)) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("x-timer-id", id);
            using var response = await fixture.Cluster.Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"via {node}: {(int)response.StatusCode} {TimerApi.Reason(response)}");
            Assert.Contains("exceeds the limit of 65536 bytes", TimerApi.Reason(response), StringComparison.Ordinal);
            Assert.Null(await fixture.Cluster.Http.GetAsync(leader, id));
        }
    }

    [Fact]
    public async Task A_duplicate_id_with_a_different_body_is_a_conflict_and_the_same_body_is_an_idempotent_retry()
    {
        var (leader, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"dup-{Guid.NewGuid():N}";
        var body = TimerApi.Body(600_000, fixture.Sink.UrlFor(id), "first");
        using (var first = await http.CreateAsync(follower, id, body))
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using (var retry = await http.CreateAsync(leader, id, body))
        {
            Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
            Assert.Equal($"/timer/{id}", retry.Headers.Location?.OriginalString);
        }

        using (var conflict = await http.CreateAsync(leader, id, TimerApi.Body(600_000, fixture.Sink.UrlFor(id), "second")))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.NotEmpty(TimerApi.Reason(conflict));
        }

        Assert.Equal("\"first\"", (await http.GetAsync(follower, id))?.Data?.GetRawText());
        using var cancel = await http.DeleteAsync($"{follower}/timer/{id}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
    }

    [Fact]
    public async Task After_bad_requests_the_cluster_serves_and_no_rejected_request_fires()
    {
        foreach (var c in AllCases)
            await Bad_requests_get_the_documented_error_with_a_reason(c);

        var (_, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        foreach (var node in fixture.Cluster.Urls)
        {
            using var ping = await http.GetAsync($"{node}/ping");
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        }

        // Rejected creates had timeouts of at most a second; a timer due after them proves their time has passed.
        var sentinel = $"sentinel-{Guid.NewGuid():N}";
        await http.CreateOkAsync(follower, sentinel, 1500, fixture.Sink.UrlFor(sentinel));
        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == sentinel), TimeSpan.FromSeconds(30));

        Assert.DoesNotContain(fixture.Sink.Deliveries, d => d.Path.EndsWith("/rejected", StringComparison.Ordinal));
        foreach (var c in AllCases.Where(c => c.TimerId?.StartsWith("bad-", StringComparison.Ordinal) == true))
            Assert.Null(await http.GetAsync(follower, c.TimerId!));
    }
}
