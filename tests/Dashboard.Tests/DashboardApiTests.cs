using System.Net;
using System.Text.Json;
using RaftTimers.Dashboard.Tests.Infrastructure;

namespace RaftTimers.Dashboard.Tests;

/// <summary>The dashboard's HTTP side on a real cluster: the same figures on every node, bad input answered with a reason.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardApiTests(DashboardCluster fixture)
{
    [Fact]
    public async Task Every_node_counts_the_same_creates_and_fires_whoever_leads()
    {
        const int Timers = 10;
        var (leader, _, _) = await fixture.RolesAsync();
        var fromSecond = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var ids = Enumerable.Range(0, Timers).Select(i => $"dash-api-{i}-{Guid.NewGuid():N}"[..24]).ToList();
        await Task.WhenAll(ids.Select(id => fixture.Cluster.Http.CreateOkAsync(leader, id, 300, fixture.Sink.UrlFor(id))));
        await fixture.Sink.WaitUntilAsync(d => ids.All(id => d.Any(x => x.TimerId == id)), TimeSpan.FromSeconds(60));

        // Each node's own count of the seconds since the test began; wait until every node applied the deliveries.
        var counts = await Poll.UntilAsync(
            async () => await Task.WhenAll(fixture.Cluster.Urls.Select(url => CountsSinceAsync(url, fromSecond))),
            all => all.All(c => c.Deliveries >= Timers) && all.Distinct().Count() == 1,
            TimeSpan.FromSeconds(30),
            all => string.Join("; ", all.Select(c => c.ToString())));
        Assert.True(counts[0].Creates >= Timers, counts[0].ToString());
        Assert.True(counts[0].Fires >= Timers, counts[0].ToString());
    }

    [Theory]
    [InlineData("seconds=0")]
    [InlineData("seconds=301")]
    [InlineData("seconds=abc")]
    [InlineData("seconds=-5")]
    [InlineData("seconds=1.5")]
    [InlineData("seconds=")]
    [InlineData("seconds=10&seconds=20")]
    [InlineData("seconds=99999999999999999999")]
    public async Task A_bad_window_is_a_400_with_a_reason(string query)
    {
        using var response = await fixture.Cluster.Http.GetAsync($"{fixture.Cluster.Urls[0]}/dashboard/api/activity?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("seconds", TimerApi.Reason(response), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_window_asked_for_has_that_many_seconds()
    {
        using var document = JsonDocument.Parse(await fixture.Cluster.Http.GetStringAsync($"{fixture.Cluster.Urls[1]}/dashboard/api/activity?seconds=300"));
        var series = document.RootElement.GetProperty("series");
        Assert.Equal(300, document.RootElement.GetProperty("seconds").GetInt32());
        foreach (var name in new[] { "creates", "fires", "deliveries", "failures", "latenessAvgMs", "latenessMaxMs" })
            Assert.Equal(300, series.GetProperty(name).GetArrayLength());
    }

    [Fact]
    public async Task The_page_and_its_files_are_served_from_the_node_and_unknown_files_are_404()
    {
        var node = fixture.Cluster.Urls[2];
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using (var bare = await noRedirects.GetAsync($"{node}/dashboard"))
        {
            Assert.Equal(HttpStatusCode.PermanentRedirect, bare.StatusCode);
            Assert.Equal("dashboard/", bare.Headers.Location?.OriginalString);
        }

        using (var page = await fixture.Cluster.Http.GetAsync($"{node}/dashboard/"))
        {
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var html = await page.Content.ReadAsStringAsync();
            // Nothing from elsewhere: every script and style sheet is the node's own.
            Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        }

        foreach (var file in new[] { "dashboard.js", "dashboard.css" })
        {
            using var asset = await fixture.Cluster.Http.GetAsync($"{node}/dashboard/{file}");
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            var etag = asset.Headers.ETag!;
            using var again = new HttpRequestMessage(HttpMethod.Get, $"{node}/dashboard/{file}");
            again.Headers.IfNoneMatch.Add(etag);
            using var notModified = await fixture.Cluster.Http.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        using var missing = await fixture.Cluster.Http.GetAsync($"{node}/dashboard/secrets.txt");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("secrets.txt", TimerApi.Reason(missing), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_members_endpoint_gives_every_members_indexes_and_lag()
    {
        // Each member has a second to answer; on a busy machine one may miss it, so ask until all of them did.
        var root = await Poll.UntilAsync(
            () => fixture.Cluster.Http.GetFromJsonElementAsync($"{fixture.Cluster.Urls[0]}/dashboard/api/cluster"),
            r => r.GetProperty("members").EnumerateArray().All(m => m.GetProperty("reachable").GetBoolean())
                && r.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "leader") == 1,
            TimeSpan.FromSeconds(60),
            r => r.ToString());
        var highest = root.GetProperty("highestCommitIndex").GetInt64();
        var members = root.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, m =>
        {
            var applied = m.GetProperty("appliedIndex").GetInt64();
            Assert.True(applied > 0, m.ToString());
            // The highest commit index is the highest any member reported, and lag is measured from it.
            Assert.True(m.GetProperty("commitIndex").GetInt64() <= highest, $"{m} above highest commit {highest}");
            Assert.Equal(Math.Max(0, highest - applied), m.GetProperty("lag").GetInt64());
        });
        Assert.Contains(members, m => m.GetProperty("commitIndex").GetInt64() == highest);
        Assert.Single(members, m => m.GetProperty("self").GetBoolean());
    }

    private sealed record Counts(long Creates, long Fires, long Deliveries);

    private async Task<Counts> CountsSinceAsync(string node, long fromSecond)
    {
        using var document = JsonDocument.Parse(await fixture.Cluster.Http.GetStringAsync($"{node}/dashboard/api/activity?seconds=120"));
        var root = document.RootElement;
        var first = root.GetProperty("firstSecondUnix").GetInt64();
        long Sum(string name) => root.GetProperty("series").GetProperty(name).EnumerateArray()
            .Select((v, i) => first + i >= fromSecond ? v.GetInt64() : 0).Sum();
        return new Counts(Sum("creates"), Sum("fires"), Sum("deliveries"));
    }
}
