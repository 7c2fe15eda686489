using System.Diagnostics;
using System.Net;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// A cluster whose data directories fill up (docs/storage.md), on a small tmpfs of the test's own: creates get 507 with
/// a reason while space is low and are taken again once there is room; when the disk is nearly full the nodes stop
/// cleanly (never killed by the kernel mid-write), refuse to start until there is room, and come back with every
/// acknowledged timer. Mounting needs root: elsewhere the test says NOT RUN (skipped), never passed.
/// </summary>
public sealed class DiskSpaceTests
{
    private const long MiB = 1024 * 1024;

    [SkippableFact]
    public async Task A_full_disk_refuses_creates_then_stops_the_nodes_cleanly_and_nothing_acknowledged_is_lost()
    {
        Skip.IfNot(Environment.UserName == "root" && OperatingSystem.IsLinux(), "NOT RUN: mounting a tmpfs needs root on Linux");
        var mount = Path.Combine(Path.GetTempPath(), "rafttimers-disk-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(mount);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", mount);
        try
        {
            await using var sink = await CallbackSink.StartAsync();
            await using var cluster = await LocalCluster.StartInAsync(Path.Combine(mount, "cluster"), 3, 0,
                $"--RaftTimers:Storage:MinFreeBytes={128 * MiB}", $"--RaftTimers:Storage:StopBelowBytes={48 * MiB}");
            var http = cluster.Http;
            var filler = Path.Combine(mount, "filler");

            var kept = Enumerable.Range(0, 20).Select(i => $"dk-{i:D2}").ToList();
            foreach (var (id, i) in kept.Select((id, i) => (id, i)))
                await http.CreateOkAsync(cluster.Urls[i % 3], id, 30_000 + (i * 100L), sink.UrlFor(id));

            // Low on space: creates are refused with the reason, through any node; a cancel still goes through.
            await FillAsync(filler, mount, leaveFree: 100 * MiB);
            // Each try a new id: the nodes notice within their check interval, and what they took before that counts as taken.
            var tries = 0;
            var refused = await Poll.UntilAsync(async () =>
                {
                    var id = $"dk-try-{tries++}";
                    var answer = await TryCreateAsync(http, cluster.Urls[1], id, sink);
                    if (answer.Status == HttpStatusCode.Created)
                        kept.Add(id);
                    return (Id: id, answer.Status, answer.Reason);
                },
                r => r.Status == HttpStatusCode.InsufficientStorage, TimeSpan.FromSeconds(30), r => $"create answered {(int)r.Status} {r.Reason}");
            Assert.Contains("RaftTimers:Storage:MinFreeBytes", refused.Reason, StringComparison.Ordinal);
            using (var cancel = await http.DeleteAsync($"{cluster.Urls[2]}/timer/{kept[0]}"))
                Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

            // Room again: creates are taken.
            File.Delete(filler);
            await Poll.UntilAsync(() => TryCreateAsync(http, cluster.Urls[0], "dk-after", sink), r => r.Status == HttpStatusCode.Created,
                TimeSpan.FromSeconds(30), r => $"create answered {(int)r.Status} {r.Reason}");
            kept.Add("dk-after");

            // Nearly full: every node stops on its own, saying why, rather than dying in the middle of a log write.
            await FillAsync(filler, mount, leaveFree: 30 * MiB);
            for (var node = 1; node <= 3; node++)
            {
                var log = cluster.NodeLog(node);
                await Poll.UntilAsync(() => Task.FromResult(File.ReadAllText(log)), text => text.Contains("below RaftTimers:Storage:StopBelowBytes", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(30), _ => $"n{node} did not stop for want of room\n{cluster.LogTails()}");
            }

            await Poll.UntilAsync(() => LiveCountAsync(http, cluster), live => live == 0, TimeSpan.FromSeconds(30), live => $"{live} nodes still answer");
            await cluster.WaitUntilExitedAsync(TimeSpan.FromSeconds(30));
            Assert.All(Enumerable.Range(1, 3).Select(cluster.NodeLog).Select(File.ReadAllText),
                text => Assert.DoesNotContain("AccessViolation", text, StringComparison.Ordinal));

            // Room again: the nodes start on their logs, and every acknowledged, uncancelled timer fires; the cancelled one does not.
            File.Delete(filler);
            await cluster.StartAgainAsync();
            await sink.WaitUntilAsync(d => kept.Skip(1).All(id => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200)), TimeSpan.FromSeconds(120),
                () => $"missing: {string.Join(",", kept.Skip(1).Where(id => sink.Deliveries.All(x => x.TimerId != id)))}\n{cluster.LogTails()}");
            Assert.DoesNotContain(sink.Deliveries, d => d.TimerId == kept[0] || d.TimerId == refused.Id);
            Assert.Null(await http.GetAsync(cluster.Urls[0], refused.Id));
        }
        finally
        {
            await RunAsync("umount", "-l", mount);
            Directory.Delete(mount, recursive: true);
        }
    }

    private static async Task<(HttpStatusCode Status, string Reason)> TryCreateAsync(HttpClient http, string node, string id, CallbackSink sink)
    {
        using var response = await http.CreateAsync(node, id, TimerApi.Body(5_000, sink.UrlFor(id)));
        return (response.StatusCode, TimerApi.Reason(response));
    }

    private static async Task<int> LiveCountAsync(HttpClient http, LocalCluster cluster)
    {
        var live = 0;
        foreach (var url in cluster.Urls)
        {
            try
            {
                using var response = await http.GetAsync($"{url}/health/live");
                live++;
            }
            catch (HttpRequestException)
            {
            }
        }

        return live;
    }

    /// <summary>Writes zeros to <paramref name="path"/> until <paramref name="leaveFree"/> bytes are left on the file system.</summary>
    private static async Task FillAsync(string path, string mount, long leaveFree)
    {
        File.Delete(path);
        var toWrite = new DriveInfo(mount).AvailableFreeSpace - leaveFree;
        var buffer = new byte[MiB];
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0);
        for (var written = 0L; written < toWrite; written += buffer.Length)
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, toWrite - written)));
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
    }
}
