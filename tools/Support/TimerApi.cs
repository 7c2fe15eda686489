using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RaftTimers.Support;

/// <summary>Calls the timer API the way a Skyring client does (JSON body, optional x-timer-id), for the tests and tools that check a cluster.</summary>
public static class TimerApi
{
    public static string Body(long timeoutMs, string callbackUri, object? data = null, string method = "post")
        => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["timeout"] = timeoutMs,
            ["data"] = data,
            ["callback"] = new { transport = "http", method, uri = callbackUri },
        });

    public static async Task<HttpResponseMessage> CreateAsync(this HttpClient http, string nodeUrl, string? id, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{nodeUrl}/timer")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (id is not null)
            request.Headers.Add("x-timer-id", id);
        return await http.SendAsync(request);
    }

    /// <summary>Creates a timer and requires 201; returns when the client sent it, for "not early" checks.</summary>
    public static async Task<DateTimeOffset> CreateOkAsync(this HttpClient http, string nodeUrl, string id, long timeoutMs, string callbackUri, object? data = null)
    {
        var sentAt = DateTimeOffset.UtcNow;
        using var response = await http.CreateAsync(nodeUrl, id, Body(timeoutMs, callbackUri, data));
        if (response.StatusCode != HttpStatusCode.Created)
            throw new HttpRequestException($"create {id} via {nodeUrl}: {(int)response.StatusCode} {Reason(response)} {await response.Content.ReadAsStringAsync()}");
        if (response.Headers.Location?.OriginalString != $"/timer/{id}")
            throw new HttpRequestException($"create {id} via {nodeUrl}: Location {response.Headers.Location} is not /timer/{id}");
        return sentAt;
    }

    public static async Task<JsonElement?> GetAsync(this HttpClient http, string nodeUrl, string id)
    {
        using var response = await http.GetAsync($"{nodeUrl}/timer/{id}");
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static string Reason(HttpResponseMessage response)
        => response.Headers.TryGetValues("x-skyring-reason", out var values) ? string.Join(",", values) : "";

    /// <summary>Every timer a node holds whose id starts with <paramref name="prefix"/>, through all pages of GET /timer.</summary>
    public static async Task<List<JsonElement>> ListAllAsync(this HttpClient http, string nodeUrl, string prefix)
    {
        var timers = new List<JsonElement>();
        string? after = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"{nodeUrl}/timer?limit=1000{(after is null ? "" : "&after=" + Uri.EscapeDataString(after))}");
            timers.AddRange(page.GetProperty("timers").EnumerateArray().Where(t => t.GetProperty("id").GetString()!.StartsWith(prefix, StringComparison.Ordinal)));
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        return timers;
    }
}
