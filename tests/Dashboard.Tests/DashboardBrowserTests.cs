using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using RaftTimers.Client;
using RaftTimers.Dashboard.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace RaftTimers.Dashboard.Tests;

/// <summary>
/// What a person sees on the dashboard of a real 3-node cluster, in headless Chromium: members, a timer looked up and
/// cancelled, charts that move, failed deliveries with their errors. Every wait is one of Playwright's auto-waiting
/// expectations (or a page function polled until it holds), never a fixed sleep.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardBrowserTests(DashboardCluster fixture, ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToHaveTextOptions Long = new() { Timeout = 60_000 };

    [Fact]
    public async Task Lists_the_three_members_with_exactly_one_leader()
    {
        var shots = Screenshots.For(output);
        var (_, follower, _) = await fixture.RolesAsync();
        var page = await fixture.Browser.OpenDashboardAsync(follower);
        await shots.OnPageAsync(page, async () =>
        {
            var rows = page.Locator("#members tbody tr");
            await Expect(rows).ToHaveCountAsync(3);
            await Expect(page.Locator("#members tbody tr[data-role=leader]")).ToHaveCountAsync(1);
            await Expect(page.Locator("#members tbody tr[data-role=follower]")).ToHaveCountAsync(2);

            // The leader the page names is the one the API names; asked again until they agree, since leadership
            // can move between the two reads.
            await Poll.UntilAsync(async () =>
                {
                    var shown = await page.EvaluateAsync<string?>("() => document.querySelector('#members tbody tr[data-role=leader]')?.dataset.memberId ?? null");
                    var leader = fixture.Cluster.Urls[await fixture.Cluster.LeaderIndexAsync() - 1];
                    var info = await fixture.Cluster.Http.GetFromJsonElementAsync($"{leader}/cluster");
                    return (Shown: shown, Api: info.GetProperty("role").GetString() == "leader" ? info.GetProperty("nodeId").GetString() : null);
                },
                r => r.Api is not null && r.Shown == r.Api,
                TimeSpan.FromSeconds(60),
                r => $"the page shows {r.Shown ?? "no leader"}, the API names {r.Api ?? "no leader"}");
            await Expect(page.Locator("#members-summary")).ToContainTextAsync("3 members");
            await Expect(page.Locator("#api-reference")).ToHaveAttributeAsync("href", "../openapi");
            await shots.TakeAsync(page, "members");
        });
    }

    [Fact]
    public async Task A_timer_created_through_the_API_is_found_and_cancelled_through_the_page()
    {
        var shots = Screenshots.For(output);
        var (leader, follower, otherFollower) = await fixture.RolesAsync();
        var id = $"dash-cancel-{Guid.NewGuid():N}"[..24];
        var headers = new Dictionary<string, string> { ["X-Tenant"] = "acme", ["X-Note"] = "<b>not markup</b>" };
        await fixture.Cluster.Http.Client(leader).CreateAsync(
            new TimerRequest(600_000, new CallbackTarget(fixture.Sink.UrlFor(id)) { Headers = headers }, JsonSerializer.SerializeToNode(new { order = 42 }))
            {
                DeadLetter = new CallbackTarget(fixture.Sink.UrlFor($"{id}-dead")),
            }, id);
        var tcpId = $"{id}-tcp";
        await fixture.Cluster.Http.Client(leader).CreateAsync(
            new TimerRequest(new Schedule { Cron = "0 9 * * MON-FRI", TimeZone = "Europe/Berlin", Count = 5 }, new CallbackTarget("tcp://127.0.0.1:9", transport: "tcp")), tcpId);
        try
        {
            var page = await fixture.Browser.OpenDashboardAsync(follower);
            await shots.OnPageAsync(page, async () =>
            {
                await page.Locator("#lookup-id").FillAsync(id);
                await page.Locator("#lookup-submit").ClickAsync();
                await Expect(page.Locator("#timer-id")).ToHaveTextAsync(id);
                await Expect(page.Locator("#timer-state")).ToHaveTextAsync("pending");
                await Expect(page.Locator("#timer-attempts")).ToHaveTextAsync("0");
                await Expect(page.Locator("#timer-callback")).ToHaveTextAsync($"POST {fixture.Sink.UrlFor(id)}");
                await Expect(page.Locator("#timer-headers")).ToHaveTextAsync("X-Tenant: acme; X-Note: <b>not markup</b>");
                await Expect(page.Locator("#timer-schedule")).ToHaveTextAsync("–");
                await Expect(page.Locator("#timer-dead-letter")).ToHaveTextAsync($"none: POST {fixture.Sink.UrlFor($"{id}-dead")}");
                await shots.TakeAsync(page, "pending");

                await page.Locator("#cancel-timer").ClickAsync();
                await page.Locator("#cancel-yes").ClickAsync();
                await Expect(page.Locator("#timer-state")).ToHaveTextAsync("cancelled");
                await Expect(page.Locator("#lookup-message")).ToContainTextAsync("cancelled");
                await Expect(page.Locator("#cancel-area")).ToBeHiddenAsync();
                await shots.TakeAsync(page, "cancelled");

                // A callback of another transport is shown by the transport's name, having no HTTP method; a repeating timer shows its schedule.
                await page.Locator("#lookup-id").FillAsync(tcpId);
                await page.Locator("#lookup-submit").ClickAsync();
                await Expect(page.Locator("#timer-id")).ToHaveTextAsync(tcpId);
                await Expect(page.Locator("#timer-callback")).ToHaveTextAsync("tcp tcp://127.0.0.1:9");
                await Expect(page.Locator("#timer-schedule")).ToHaveTextAsync("cron \"0 9 * * MON-FRI\" in Europe/Berlin, 5 times, misfire fireOnce, firing 1");
                await Expect(page.Locator("#timer-dead-letter")).ToHaveTextAsync("–");
            });

            // The API agrees, on a node the page never talked to.
            var timer = await fixture.Cluster.Http.GetAsync(otherFollower, id);
            Assert.Equal("cancelled", timer?.State);
        }
        finally
        {
            // A no-op when the page cancelled it; otherwise the timer must not stay pending for the other tests.
            await CancelQuietlyAsync(id);
            await CancelQuietlyAsync(tcpId);
        }
    }

    [Fact]
    public async Task Events_applied_while_the_page_is_open_appear_live_newest_first()
    {
        var shots = Screenshots.For(output);
        var (leader, follower, _) = await fixture.RolesAsync();
        var id = $"dash-live-{Guid.NewGuid():N}"[..24];
        var page = await fixture.Browser.OpenDashboardAsync(follower);
        await shots.OnPageAsync(page, async () =>
        {
            await Expect(page.Locator("#events-status")).ToHaveTextAsync("live");
            await fixture.Cluster.Http.Client(leader).CreateAsync(new TimerRequest(600_000, new CallbackTarget(fixture.Sink.UrlFor(id))), id);
            await fixture.Cluster.Http.Client(leader).CancelAsync(id);

            var rows = page.Locator("#events tbody tr").Filter(new() { HasText = id });
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(rows.Nth(0).Locator("td").Nth(2)).ToHaveTextAsync("cancelled");
            await Expect(rows.Nth(1).Locator("td").Nth(2)).ToHaveTextAsync("created");
            await Expect(page.Locator("#events-empty")).ToBeHiddenAsync();
            await shots.TakeAsync(page, "events");
        });
    }

    [Fact]
    public async Task Unknown_ids_say_so()
    {
        var shots = Screenshots.For(output);
        var page = await fixture.Browser.OpenDashboardAsync(fixture.Cluster.Urls[0]);
        await shots.OnPageAsync(page, async () =>
        {
            await page.Locator("#lookup-id").FillAsync("no-such-timer-here");
            await page.Locator("#lookup-submit").ClickAsync();
            await Expect(page.Locator("#lookup-message")).ToContainTextAsync("No timer no-such-timer-here");
            await Expect(page.Locator("#timer-result")).ToBeHiddenAsync();
        });
    }

    [Fact]
    public async Task The_charts_of_a_follower_rise_with_timers_created_and_fired_through_the_leader()
    {
        const int Timers = 20;
        var shots = Screenshots.For(output);
        var (leader, follower, _) = await fixture.RolesAsync();
        var page = await fixture.Browser.OpenDashboardAsync(follower);
        await shots.OnPageAsync(page, async () =>
        {
            await Expect(page.Locator("#chart-creates")).ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex("^[0-9,]+$"));
            // Counted from the second the test starts in: earlier tests' timers are not this test's.
            var fromSecond = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var ids = Enumerable.Range(0, Timers).Select(i => $"dash-chart-{i}-{Guid.NewGuid():N}"[..24]).ToList();
            await Task.WhenAll(ids.Select(id => fixture.Cluster.Http.CreateOkAsync(leader, id, 500, fixture.Sink.UrlFor(id))));

            await WaitForSumAsync(page, "chart-creates", fromSecond, Timers);
            await WaitForSumAsync(page, "chart-fires", fromSecond, Timers);
            await WaitForSumAsync(page, "chart-deliveries", fromSecond, Timers);

            // The legend shows the same total as the plotted points.
            var total = await page.Locator("#chart-creates").GetAttributeAsync("data-total");
            await Expect(page.Locator("#chart-creates .legend")).ToContainTextAsync($"{total} in window");
            await shots.TakeAsync(page, "charts");
        });
    }

    [Fact]
    public async Task A_failed_delivery_is_listed_with_its_error()
    {
        var shots = Screenshots.For(output);
        var (leader, follower, _) = await fixture.RolesAsync();
        var id = $"dash-fail-{Guid.NewGuid():N}"[..24];
        fixture.Sink.FailNext(id, 10);
        await fixture.Cluster.Http.CreateOkAsync(leader, id, 200, fixture.Sink.UrlFor(id));

        var page = await fixture.Browser.OpenDashboardAsync(follower);
        await shots.OnPageAsync(page, async () =>
        {
            // Two attempts allowed: one retried, then the last one fails the timer.
            var final = page.Locator($"#failures tbody tr[data-timer-id='{id}']", new() { HasText = "failed" });
            await Expect(final).ToHaveCountAsync(1, new() { Timeout = 60_000 });
            await Expect(page.Locator($"#failures tbody tr[data-timer-id='{id}']")).ToHaveCountAsync(2);

            var timer = await Poll.UntilAsync(() => fixture.Cluster.Http.GetAsync(follower, id), t => t?.State == "failed",
                TimeSpan.FromSeconds(30), t => $"state {t?.State}");
            var lastError = timer!.LastError!;
            Assert.Contains("HTTP 500", lastError, StringComparison.Ordinal);
            await Expect(final.Locator("td.err")).ToHaveTextAsync(lastError);

            // The timer's id in the list opens it in the lookup panel.
            await final.Locator("button.timer-link").ClickAsync();
            await Expect(page.Locator("#timer-state")).ToHaveTextAsync("failed");
            await Expect(page.Locator("#timer-attempts")).ToHaveTextAsync("2");
            await Expect(page.Locator("#timer-error")).ToHaveTextAsync(lastError);
            await shots.TakeAsync(page, "failures");
        });
    }

    [Fact]
    public async Task Pending_timers_and_the_next_due_one_are_shown_counted_on_the_nodes_clock()
    {
        var shots = Screenshots.For(output);
        var (leader, follower, _) = await fixture.RolesAsync();
        var id = $"dash-next-{Guid.NewGuid():N}"[..24];
        // Due in a minute, and so before every other pending timer of this collection (the others cancel theirs).
        await fixture.Cluster.Http.CreateOkAsync(leader, id, 60_000, fixture.Sink.UrlFor(id));
        try
        {
            var pending = (await fixture.Cluster.Http.GetFromJsonElementAsync($"{leader}/cluster")).GetProperty("pendingTimers").GetInt32();

            // This tab's clock is an hour ahead of the node's: "in N s" must still be counted from the node's time.
            var page = await fixture.Browser.OpenDashboardAsync(follower, tab => tab.AddInitScriptAsync(
                "(() => { const realNow = Date.now; Date.now = () => realNow.call(Date) + 3600000; })()"));
            await shots.OnPageAsync(page, async () =>
            {
                await Expect(page.Locator("#next-due")).ToHaveAttributeAsync("data-id", id);
                await Expect(page.Locator("#next-due")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"^{id} — in [0-9]+\\.[0-9] s \\("));
                await Expect(page.Locator("#pending-timers")).ToHaveAttributeAsync("data-value", pending.ToString(CultureInfo.InvariantCulture));
                await shots.TakeAsync(page, "next-due");
            });
        }
        finally
        {
            await CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task The_whole_page_under_a_mixed_load_agrees_with_the_API()
    {
        var shots = Screenshots.For(output);
        var (leader, follower, _) = await fixture.RolesAsync();
        var run = Guid.NewGuid().ToString("N")[..6];
        var fromSecond = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Delivered ones due over the next few seconds, a few that fail, and some that stay pending.
        var delivered = Enumerable.Range(0, 40).Select(i => (Id: $"order-{run}-{i}", TimeoutMs: 300L + (i * 150))).ToList();
        var failing = Enumerable.Range(0, 2).Select(i => (Id: $"webhook-{run}-{i}", TimeoutMs: 1_000L + (i * 2_000))).ToList();
        var pending = Enumerable.Range(0, 6).Select(i => (Id: $"reminder-{run}-{i}", TimeoutMs: 120_000L * (i + 1))).ToList();
        foreach (var (id, _) in failing)
            fixture.Sink.FailNext(id, 10);
        try
        {
            await Task.WhenAll(delivered.Concat(failing).Concat(pending)
                .Select(t => fixture.Cluster.Http.CreateOkAsync(leader, t.Id, t.TimeoutMs, fixture.Sink.UrlFor(t.Id), new { run })));

            var page = await fixture.Browser.OpenDashboardAsync(follower);
            await shots.OnPageAsync(page, async () =>
            {
                await WaitForSumAsync(page, "chart-creates", fromSecond, delivered.Count + failing.Count + pending.Count);
                await WaitForSumAsync(page, "chart-deliveries", fromSecond, delivered.Count);
                foreach (var (id, _) in failing)
                    await Expect(page.Locator($"#failures tbody tr[data-timer-id='{id}']", new() { HasText = "failed" })).ToHaveCountAsync(1, new() { Timeout = 60_000 });

                var expectedPending = (await fixture.Cluster.Http.GetFromJsonElementAsync($"{leader}/cluster")).GetProperty("pendingTimers").GetInt32();
                await Expect(page.Locator("#pending-timers")).ToHaveAttributeAsync("data-value", expectedPending.ToString(CultureInfo.InvariantCulture));
                await Expect(page.Locator("#next-due")).ToHaveAttributeAsync("data-id", pending[0].Id);

                await page.Locator("#lookup-id").FillAsync(pending[0].Id);
                await page.Locator("#lookup-submit").ClickAsync();
                await Expect(page.Locator("#timer-state")).ToHaveTextAsync("pending");
                await shots.TakeAsync(page, "overview");
            });
        }
        finally
        {
            foreach (var (id, _) in pending)
                await CancelQuietlyAsync(id);
        }
    }

    /// <summary>
    /// Cancels <paramref name="id"/> through whichever node leads now; a timer already finished or never created is
    /// fine, and so is a failure: this is clean-up, run whether the test passed or not, and must not hide its outcome.
    /// </summary>
    private async Task CancelQuietlyAsync(string id)
    {
        try
        {
            var leader = fixture.Cluster.Urls[await fixture.Cluster.LeaderIndexAsync() - 1];
            using var cancel = await fixture.Cluster.Http.DeleteAsync($"{leader}/timer/{id}");
            output.WriteLine($"clean-up: DELETE /timer/{id} answered {(int)cancel.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or TimeoutException)
        {
            output.WriteLine($"clean-up: could not cancel {id}: {e.Message}");
        }
    }

    /// <summary>Waits until the points a chart plots for seconds from <paramref name="fromSecond"/> on add up to at least <paramref name="atLeast"/>.</summary>
    private static async Task WaitForSumAsync(IPage page, string chartId, long fromSecond, int atLeast)
    {
        const string Sum = """
            ([id, from]) => {
              const f = document.getElementById(id);
              if (!f || !f.dataset.points) return 0;
              const points = f.dataset.points.split(',').map(Number);
              const first = Number(f.dataset.firstSecond);
              return points.reduce((sum, v, i) => first + i >= from ? sum + v : sum, 0);
            }
            """;
        try
        {
            await page.WaitForFunctionAsync($"(args) => ({Sum})(args) >= {atLeast}", new object[] { chartId, fromSecond },
                new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 200 });
        }
        catch (TimeoutException)
        {
            var seen = await page.EvaluateAsync<int>(Sum, new object[] { chartId, fromSecond });
            Assert.Fail($"{chartId} plotted {seen} since second {fromSecond}, expected at least {atLeast}");
        }
    }
}

internal static class JsonHttp
{
    public static async Task<JsonElement> GetFromJsonElementAsync(this HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
