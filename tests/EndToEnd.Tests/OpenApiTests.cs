using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>Two single-node clusters: one with the timer API token off (the default) and one with it on.</summary>
public sealed class OpenApiNodes : IAsyncLifetime
{
    public const string ApiToken = "openapi-tests-api-token-0123456789";

    private Task<LocalCluster>? open;
    private Task<LocalCluster>? secured;

    internal LocalCluster Open { get; private set; } = null!;

    internal LocalCluster Secured { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        open = LocalCluster.StartAsync(1);
        secured = LocalCluster.StartAsync(1, $"--RaftTimers:Security:ApiToken={ApiToken}");
        Open = await open;
        Secured = await secured;
    }

    /// <summary>Stops whichever cluster started, also when the other one failed to start.</summary>
    public async Task DisposeAsync()
    {
        foreach (var starting in new[] { open, secured })
        {
            if (starting is null)
                continue;
            try
            {
                await (await starting).DisposeAsync();
            }
            catch (Exception) when (!starting.IsCompletedSuccessfully)
            {
                // This one never started; its start failure is what InitializeAsync reported.
            }
        }
    }
}

/// <summary>
/// <c>GET /openapi/v1.json</c> and the reference page <c>GET /openapi</c> on real node processes: the document is valid
/// OpenAPI (read and validated by Microsoft.OpenApi 2.x, which reads the 3.1 documents ASP.NET Core 10 writes), lists
/// every endpoint of the HTTP contract with its answers, describes bodies a real node actually writes, and both stay
/// open and self-contained.
/// </summary>
public sealed class OpenApiTests(OpenApiNodes nodes) : IClassFixture<OpenApiNodes>
{
    private const string DocumentPath = "/openapi/v1.json";

    /// <summary>
    /// Every endpoint of the HTTP contract, docs/api.md, with
    /// the success status and the error statuses it names for that endpoint or for all of them (its Errors section:
    /// 400 for bad input on every endpoint that takes input, 413 for a body over the limit, 503 with no leader), and
    /// the ones README's "Security and limits" and "Operations" add (429, 507; the admin endpoints' 401, 409, 502).
    /// </summary>
    public static readonly TheoryData<string, string, int, int[]> ContractEndpoints = new()
    {
        // docs/api.md, Timer API
        { "POST", "/timer", 201, [400, 409, 413, 429, 503, 507] },
        { "PUT", "/timer/{id}", 200, [400, 404, 412, 413, 429, 503, 507] },
        { "DELETE", "/timer/{id}", 202, [404, 429, 503] },
        { "GET", "/timer/{id}", 200, [404, 503] },
        { "GET", "/timer", 200, [400, 503] },
        { "POST", "/timer/batch", 200, [400, 413, 415, 429, 503] },
        { "POST", "/timer/{id}/pause", 200, [404, 415, 429, 501, 503] },
        { "POST", "/timer/{id}/resume", 200, [404, 415, 429, 501, 503] },
        { "POST", "/timer/{id}/retry", 200, [404, 415, 429, 501, 503] },
        { "GET", "/ping", 200, [] },
        // docs/api.md, Events
        { "GET", "/events", 200, [400, 410] },
        // docs/api.md, Admin API
        { "GET", "/cluster", 200, [] },
        { "POST", "/cluster/members", 200, [400, 401, 409, 502, 503] },
        { "DELETE", "/cluster/members/{id}", 200, [401, 409, 503] },
        // README: leadership transfer (Operations), health probes and metrics
        { "POST", "/cluster/leader/transfer", 200, [401, 409, 503] },
        { "GET", "/health/live", 200, [] },
        { "GET", "/health/ready", 200, [503] },
        { "GET", "/metrics", 200, [] },
        // docs/clocks.md: what the members sample of each other's clocks
        { "GET", "/cluster/time", 200, [] },
    };

    private static readonly string[] TimerOperations = ["createTimer", "replaceTimer", "cancelTimer", "pauseTimer", "resumeTimer", "retryTimer", "getTimer", "listTimers"];

    private static readonly string[] AdminOperations = ["addMember", "removeMember", "transferLeadership"];

    private string OpenNode => nodes.Open.Urls[0];

    private string SecuredNode => nodes.Secured.Urls[0];

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string url, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (authorization is not null)
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        var response = await nodes.Open.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private async Task<JsonElement> DocumentAsync(string node)
    {
        var (status, body, response) = await GetAsync(node + DocumentPath);
        Assert.True(status == HttpStatusCode.OK, $"GET {DocumentPath}: {(int)status} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task The_document_reads_and_validates_without_errors_with_the_token_off_and_on()
    {
        foreach (var node in new[] { OpenNode, SecuredNode })
        {
            var (status, body, _) = await GetAsync(node + DocumentPath);
            Assert.Equal(HttpStatusCode.OK, status);

            var read = OpenApiDocument.Parse(body, "json");
            Assert.True(read.Diagnostic is not null && read.Document is not null, $"{node}: not read as an OpenAPI document");
            Assert.True(read.Diagnostic.Errors.Count == 0, $"{node}: reader errors:\n{string.Join("\n", read.Diagnostic.Errors)}");
            Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);

            var errors = read.Document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
            Assert.True(errors.Count == 0, $"{node}: validation errors:\n{string.Join("\n", errors.Select(e => $"{e.Pointer}: {e.Message}"))}");
            Assert.Equal(ContractEndpoints.Count(), read.Document.Paths.Sum(p => p.Value.Operations?.Count ?? 0));
        }

        // The same reader does report a broken document: a path parameter nobody declares, and no info.
        var broken = JsonNode.Parse((await GetAsync(OpenNode + DocumentPath)).Body)!.AsObject();
        broken.Remove("info");
        broken["paths"]!["/timer/{id}"]!["get"]!.AsObject().Remove("parameters");
        var brokenRead = OpenApiDocument.Parse(broken.ToJsonString(), "json");
        var brokenErrors = brokenRead.Diagnostic!.Errors.Count + (brokenRead.Document?.Validate(ValidationRuleSet.GetDefaultRuleSet())?.Count() ?? 0);
        Assert.True(brokenErrors > 0, "the reader and validator found nothing wrong with a document without info");
    }

    [Theory]
    [MemberData(nameof(ContractEndpoints))]
    public async Task The_document_lists_the_contract_endpoint_with_its_answers(string method, string path, int success, int[] errors)
    {
        var document = await DocumentAsync(OpenNode);
        Assert.True(document.GetProperty("paths").TryGetProperty(path, out var item), $"{path} is not in the document");
        Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {path} is not in the document");

        Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("operationId").GetString()), $"{method} {path}: no operationId");
        Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path}: no summary");
        var responses = operation.GetProperty("responses");
        var listed = responses.EnumerateObject().Select(r => int.Parse(r.Name)).ToHashSet();
        var missing = errors.Append(success).Where(code => !listed.Contains(code)).ToList();
        Assert.True(missing.Count == 0, $"{method} {path}: missing responses {string.Join(", ", missing)}; listed {string.Join(", ", listed.Order())}");
        Assert.DoesNotContain(listed, code => code is >= 200 and < 300 && code != success);

        foreach (var response in responses.EnumerateObject().Where(r => int.Parse(r.Name) >= 400 && !path.StartsWith("/health", StringComparison.Ordinal)))
        {
            // Every error is ApiError's: a problem body and the reason header (docs/api.md, Errors).
            Assert.Equal("#/components/schemas/Problem",
                response.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
            Assert.True(response.Value.GetProperty("headers").TryGetProperty("x-skyring-reason", out _), $"{method} {path} {response.Name}: no x-skyring-reason header");
        }

        foreach (var parameter in Regex.Matches(path, "{([^}]+)}").Select(m => m.Groups[1].Value))
        {
            Assert.True(operation.TryGetProperty("parameters", out var parameters), $"{method} {path}: no parameters, not even {{{parameter}}}");
            Assert.Contains(parameters.EnumerateArray(),
                p => p.GetProperty("name").GetString() == parameter && p.GetProperty("in").GetString() == "path" && p.GetProperty("required").GetBoolean());
        }
    }

    [Fact]
    public async Task Only_the_contract_endpoints_are_documented()
    {
        var document = await DocumentAsync(OpenNode);
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name != "parameters").Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .Order().ToList();
        var expected = ContractEndpoints.Select(row => $"{row[0]} {row[1]}").Order().ToList();
        Assert.Equal(expected, documented);

        var ids = document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Select(o => o.Value.GetProperty("operationId").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task The_timer_bodies_are_described_as_API_md_gives_them()
    {
        var document = await DocumentAsync(OpenNode);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var (method, path) in new[] { ("post", "/timer"), ("put", "/timer/{id}") })
        {
            var body = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("requestBody");
            Assert.True(body.GetProperty("required").GetBoolean());
            Assert.Equal("#/components/schemas/TimerRequest", body.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        }

        var request = schemas.GetProperty("TimerRequest");
        // Exactly one of timeout and dueAt: neither is required by itself, the parser refuses both or none.
        Assert.Equal(["callback"], Required(request));
        var dueAt = request.GetProperty("properties").GetProperty("dueAt");
        Assert.Contains("#/components/schemas/DueTime", dueAt.GetRawText(), StringComparison.Ordinal);
        var dueAtForms = schemas.GetProperty("DueTime").GetProperty("oneOf").EnumerateArray().ToList();
        Assert.Equal(("string", "date-time"), (dueAtForms[0].GetProperty("type").GetString(), dueAtForms[0].GetProperty("format").GetString()));
        Assert.Equal("integer", dueAtForms[1].GetProperty("type").GetString());
        Assert.Equal(946_684_800_000, dueAtForms[1].GetProperty("minimum").GetInt64());
        var timeout = request.GetProperty("properties").GetProperty("timeout");
        // An integer, or null as if absent (then dueAt says when).
        Assert.Equal(["integer", "null"], timeout.GetProperty("type").EnumerateArray().Select(t => t.GetString()).Order().ToList());
        Assert.Equal(1, timeout.GetProperty("minimum").GetInt64());
        Assert.Equal(int.MaxValue, timeout.GetProperty("maximum").GetInt64());
        Assert.Equal("#/components/schemas/Callback", request.GetProperty("properties").GetProperty("callback").GetProperty("$ref").GetString());
        Assert.Contains("#/components/schemas/TimerData", request.GetProperty("properties").GetProperty("data").GetRawText());

        // data: a string or an object (or null, as if absent); never an array or a number.
        var dataTypes = schemas.GetProperty("TimerData").GetProperty("type").EnumerateArray().Select(t => t.GetString()).Order().ToList();
        Assert.Equal(["null", "object", "string"], dataTypes);

        var callback = schemas.GetProperty("Callback");
        Assert.Equal(["method", "transport", "uri"], Required(callback));
        Assert.Equal("uri", callback.GetProperty("properties").GetProperty("uri").GetProperty("format").GetString());

        var states = schemas.GetProperty("TimerState").GetProperty("enum").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Equal(["pending", "firing", "delivered", "failed", "cancelled", "paused"], states);

        var create = document.GetProperty("paths").GetProperty("/timer").GetProperty("post");
        Assert.Contains(create.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "x-timer-id" && p.GetProperty("in").GetString() == "header");
        Assert.True(create.GetProperty("responses").GetProperty("201").GetProperty("headers").TryGetProperty("Location", out _));
        var list = document.GetProperty("paths").GetProperty("/timer").GetProperty("get");
        Assert.Equal(["after", "limit", "state"], list.GetProperty("parameters").EnumerateArray()
            .Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).Order().ToList());
    }

    [Fact]
    public async Task The_documented_shapes_match_what_a_node_answers()
    {
        var document = await DocumentAsync(OpenNode);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var http = nodes.Open.Http;
        var id = $"openapi-{Guid.NewGuid():N}";

        using (var created = await http.CreateAsync(OpenNode, id, TimerApi.Body(600_000, "http://127.0.0.1:9/never", new { order = 42 })))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode} {TimerApi.Reason(created)}");
            AssertShape(schemas, "TimerCreated", JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement);
        }

        var (status, body, _) = await GetAsync($"{OpenNode}/timer/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        AssertShape(schemas, "Timer", JsonDocument.Parse(body).RootElement);

        (status, body, _) = await GetAsync($"{OpenNode}/timer?limit=1");
        Assert.Equal(HttpStatusCode.OK, status);
        var page = JsonDocument.Parse(body).RootElement;
        AssertShape(schemas, "TimerPage", page);
        AssertShape(schemas, "Timer", page.GetProperty("timers")[0]);

        (status, body, _) = await GetAsync($"{OpenNode}/cluster");
        Assert.Equal(HttpStatusCode.OK, status);
        var cluster = JsonDocument.Parse(body).RootElement;
        AssertShape(schemas, "ClusterState", cluster);
        AssertShape(schemas, "Member", cluster.GetProperty("members")[0]);

        (status, body, _) = await GetAsync($"{OpenNode}/timer/no-such-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertShape(schemas, "Problem", JsonDocument.Parse(body).RootElement);
    }

    [Theory]
    [InlineData("application/json", HttpStatusCode.Created)]
    [InlineData("application/json; charset=utf-8", HttpStatusCode.Created)]
    [InlineData("application/vnd.orders+json", HttpStatusCode.Created)]
    [InlineData(null, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("multipart/form-data; boundary=x", HttpStatusCode.UnsupportedMediaType)]
    public async Task A_timer_body_is_taken_only_when_declared_as_JSON(string? contentType, HttpStatusCode expected)
    {
        // A page on another site can make a browser POST a form or text/plain body here without asking first; a JSON one
        // needs a CORS preflight, which this API never grants. So only a body declared as JSON may create a timer, and the
        // refusal is this API's own 415 with a reason (routing must not narrow or answer for it).
        var id = $"openapi-ct-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{OpenNode}/timer")
        {
            Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(TimerApi.Body(600_000, "http://127.0.0.1:9/never"))),
        };
        if (contentType is not null)
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("x-timer-id", id);
        using var response = await nodes.Open.Http.SendAsync(request);
        Assert.True(response.StatusCode == expected, $"{contentType ?? "no content type"}: {(int)response.StatusCode} {TimerApi.Reason(response)}");
        if (expected == HttpStatusCode.UnsupportedMediaType)
        {
            Assert.Contains("Content-Type: application/json", TimerApi.Reason(response), StringComparison.Ordinal);
            Assert.Null(await nodes.Open.Http.GetAsync(OpenNode, id));
        }
    }

    [Fact]
    public async Task The_timer_token_shows_in_the_document_only_when_the_node_requires_it_and_the_admin_token_always()
    {
        var open = await DocumentAsync(OpenNode);
        var secured = await DocumentAsync(SecuredNode);

        foreach (var operationId in TimerOperations)
        {
            var withoutToken = Operation(open, operationId);
            Assert.False(withoutToken.TryGetProperty("security", out _), $"{operationId} claims a token on a node without one");
            Assert.False(withoutToken.GetProperty("responses").TryGetProperty("401", out _), $"{operationId} lists 401 on a node without a token");

            var withToken = Operation(secured, operationId);
            Assert.Equal("apiToken", withToken.GetProperty("security")[0].EnumerateObject().Single().Name);
            Assert.True(withToken.GetProperty("responses").GetProperty("401").GetProperty("headers").TryGetProperty("WWW-Authenticate", out _));
        }

        foreach (var document in new[] { open, secured })
        {
            foreach (var operationId in AdminOperations)
                Assert.Equal("adminToken", Operation(document, operationId).GetProperty("security")[0].EnumerateObject().Single().Name);
            Assert.False(Operation(document, "getCluster").TryGetProperty("security", out _));
        }

        Assert.False(open.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("apiToken", out _));
        var scheme = secured.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiToken");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task The_document_and_page_stay_open_when_the_timer_API_needs_a_token()
    {
        // The token is on: the timer API refuses a request without it...
        var (timerStatus, _, _) = await GetAsync($"{SecuredNode}/timer");
        Assert.Equal(HttpStatusCode.Unauthorized, timerStatus);

        // ...while the document and the page answer without a token and with a wrong one.
        foreach (var authorization in new[] { null, "Bearer wrong-token-wrong-token-0000" })
        {
            foreach (var path in new[] { DocumentPath, "/openapi", "/openapi/reference.js", "/openapi/reference.css" })
            {
                var (status, body, _) = await GetAsync(SecuredNode + path, authorization);
                Assert.True(status == HttpStatusCode.OK, $"GET {path} ({authorization ?? "no token"}): {(int)status} {body}");
            }
        }
    }

    [Fact]
    public async Task The_reference_page_loads_only_from_its_own_node()
    {
        var origin = new Uri(SecuredNode + "/openapi");
        var (status, html, response) = await GetAsync(origin.ToString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("connect-src 'self'", policy);

        var references = Regex.Matches(html, """(?:src|href)\s*=\s*["']([^"']+)["']""", RegexOptions.IgnoreCase).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(references, r => r.EndsWith("reference.js", StringComparison.Ordinal));
        Assert.Contains(references, r => r.EndsWith("reference.css", StringComparison.Ordinal));
        var files = new Dictionary<string, string> { ["/openapi"] = html };
        foreach (var reference in references.Distinct())
        {
            var target = new Uri(origin, reference);
            Assert.True(target.Scheme == origin.Scheme && target.Authority == origin.Authority, $"the page references {reference}, not on its node");
            var (fileStatus, file, _) = await GetAsync(target.ToString());
            Assert.True(fileStatus == HttpStatusCode.OK, $"the page's {reference} ({target.AbsolutePath}): {(int)fileStatus}");
            if (target.AbsolutePath.EndsWith(".js", StringComparison.Ordinal) || target.AbsolutePath.EndsWith(".css", StringComparison.Ordinal))
                files[target.AbsolutePath] = file;
        }

        // No file of the page names another host: no CDN, no fonts, no analytics (none names its own node either).
        foreach (var (path, text) in files)
        {
            // An absolute URL, or a scheme-relative one (//host/...); the page's comments have a space after //.
            var absolute = Regex.Matches(text, """(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//[A-Za-z0-9\[]""").Select(m => m.Value).ToList();
            Assert.True(absolute.Count == 0, $"{path} names {string.Join(", ", absolute)}");
            Assert.DoesNotContain("@import", text, StringComparison.Ordinal);
        }

        Assert.Contains("/v1.json", files["/openapi/reference.js"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Document_requests_never_get_a_500()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => GetAsync(OpenNode + DocumentPath)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());

        foreach (var path in new[] { "/openapi/v2.json", "/openapi/v1.yaml", "/openapi/..%2Fv1.json", "/openapi/reference.png", "/openapi?x=%ZZ" })
        {
            var (status, body, _) = await GetAsync(OpenNode + path);
            Assert.True((int)status < 500, $"GET {path}: {(int)status} {body}");
        }

        using var post = await nodes.Open.Http.PostAsync(OpenNode + DocumentPath, new StringContent("{}"));
        Assert.True((int)post.StatusCode is >= 400 and < 500, $"POST {DocumentPath}: {(int)post.StatusCode}");
    }

    private static JsonElement Operation(JsonElement document, string operationId)
        => document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Single(o => o.Value.TryGetProperty("operationId", out var id) && id.GetString() == operationId).Value;

    private static List<string> Required(JsonElement schema)
        => [.. schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order()];

    /// <summary>The answer has every required property of the schema and no property the schema does not name.</summary>
    private static void AssertShape(JsonElement schemas, string name, JsonElement answer)
    {
        var schema = schemas.GetProperty(name);
        var documented = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        var written = answer.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.True(written.IsSubsetOf(documented), $"{name}: the node writes {string.Join(", ", written.Except(documented))}, which the document does not name");
        var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()!) : [];
        Assert.True(required.All(written.Contains), $"{name}: the node does not write {string.Join(", ", required.Where(p => !written.Contains(p)))}");
    }
}
