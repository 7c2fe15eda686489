using System.Net;
using RaftTimers.Dashboard.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace RaftTimers.Dashboard.Tests;

/// <summary>On nodes that require the timer API token, the page asks for it, refuses a wrong one, and keeps the right one in sessionStorage only.</summary>
[Collection(SecuredDashboardCollection.Name)]
public sealed class TokenPromptTests(SecuredDashboardCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_page_asks_for_the_token_rejects_a_wrong_one_and_works_with_the_right_one()
    {
        var shots = Screenshots.For(output);
        var (leader, follower, _) = await fixture.RolesAsync();
        var id = $"dash-token-{Guid.NewGuid():N}"[..24];
        using (var create = await SendAsync(HttpMethod.Post, $"{leader}/timer", fixture.Token, TimerApi.Body(600_000, fixture.Sink.UrlFor(id)), id))
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);

        var page = await fixture.Browser.OpenDashboardAsync(follower);
        await shots.OnPageAsync(page, async () =>
        {
            // The activity figures name timers, so they need the token: the prompt shows at once. Members stay open.
            await Expect(page.Locator("#token-panel")).ToBeVisibleAsync();
            await Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(3);
            await Expect(page.Locator("#served-by")).ToContainTextAsync("served by node");
            await shots.TakeAsync(page, "prompt");

            await page.Locator("#token-input").FillAsync("not-the-right-token-at-all");
            await page.Locator("#token-submit").ClickAsync();
            await Expect(page.Locator("#token-message")).ToContainTextAsync("rejected");
            await Expect(page.Locator("#token-panel")).ToBeVisibleAsync();

            await page.Locator("#token-input").FillAsync(fixture.Token!);
            await page.Locator("#token-submit").ClickAsync();
            await Expect(page.Locator("#token-panel")).ToBeHiddenAsync();
            await Expect(page.Locator("#pending-timers")).ToHaveAttributeAsync("data-value", new System.Text.RegularExpressions.Regex("^[1-9][0-9]*$"));

            await page.Locator("#lookup-id").FillAsync(id);
            await page.Locator("#lookup-submit").ClickAsync();
            await Expect(page.Locator("#timer-state")).ToHaveTextAsync("pending");
            await page.Locator("#cancel-timer").ClickAsync();
            await page.Locator("#cancel-yes").ClickAsync();
            await Expect(page.Locator("#timer-state")).ToHaveTextAsync("cancelled");

            // Kept for this tab only: in sessionStorage, nowhere in localStorage or cookies.
            Assert.Equal(fixture.Token, await page.EvaluateAsync<string?>("() => sessionStorage.getItem('rafttimers.apiToken')"));
            Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
            Assert.Empty(await fixture.Browser.Context.CookiesAsync());
            await shots.TakeAsync(page, "accepted");
        });

        using var read = await SendAsync(HttpMethod.Get, $"{leader}/timer/{id}", fixture.Token);
        Assert.Contains("\"state\":\"cancelled\"", await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_activity_endpoint_needs_the_token_and_the_cluster_endpoint_does_not()
    {
        var node = fixture.Cluster.Urls[0];
        using (var without = await SendAsync(HttpMethod.Get, $"{node}/dashboard/api/activity", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
            Assert.Equal("Bearer", without.Headers.WwwAuthenticate.Single().Scheme);
        }

        using (var wrong = await SendAsync(HttpMethod.Get, $"{node}/dashboard/api/activity", "wrong-token-0123456789"))
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using (var right = await SendAsync(HttpMethod.Get, $"{node}/dashboard/api/activity", fixture.Token))
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        using (var cluster = await SendAsync(HttpMethod.Get, $"{node}/dashboard/api/cluster", null))
            Assert.Equal(HttpStatusCode.OK, cluster.StatusCode);
        using (var page = await SendAsync(HttpMethod.Get, $"{node}/dashboard/", null))
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? token, string? body = null, string? timerId = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        if (timerId is not null)
            request.Headers.Add("x-timer-id", timerId);
        if (token is not null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await fixture.Cluster.Http.SendAsync(request);
    }
}
