using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static RaftTimers.EndToEnd.Tests.Infrastructure.CliProcess;

namespace RaftTimers.EndToEnd.Tests.Cli;

/// <summary>
/// <c>timers cluster add / remove</c> against a real 3-node cluster and a fourth node process started in join mode,
/// and the timer API token (--token and RAFTTIMERS_TOKEN) on a cluster that requires one.
/// </summary>
public sealed class CliMembershipTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Cluster_add_and_remove_change_the_membership_and_the_api_token_is_sent()
    {
        var apiToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        // The joining node is started by the test itself, without a certificate of the cluster: plain Raft ports.
        await using var cluster = await LocalCluster.StartWithoutTlsAsync(3, $"--RaftTimers:Security:ApiToken={apiToken}");
        var urls = string.Join(',', cluster.Urls);

        // The timer API token: without it 401 (exit 1), with --token or the env var the request goes through.
        var refused = await FailsAsync(1, "list", "--url", urls);
        Assert.Contains("401", refused.Stderr);
        await OkAsync("list", "--url", urls, "--token", apiToken);
        var viaEnvironment = await RunAsync(["list", "--json"], new Dictionary<string, string> { ["RAFTTIMERS_URL"] = urls, ["RAFTTIMERS_TOKEN"] = apiToken });
        Assert.True(viaEnvironment.ExitCode == 0, viaEnvironment.ToString());
        Assert.Equal(JsonValueKind.Array, viaEnvironment.Json.GetProperty("timers").ValueKind);

        await using var joining = await JoiningNode.StartAsync(apiToken);
        await Poll.UntilAsync(joining.AnswersAsync, ok => ok, Deadline, _ => $"the joining node does not answer\n{joining.Output}");

        // A wrong admin token: the server's 401 is exit code 1, and nothing changes.
        var wrongToken = await FailsAsync(1, "cluster", "add", "--url", urls, "--raft", joining.Raft, "--api", joining.Api, "--admin-token", "wrong-admin-token-0123");
        Assert.Contains("401", wrongToken.Stderr);

        var admin = new Dictionary<string, string> { ["RAFTTIMERS_ADMIN_TOKEN"] = LocalCluster.AdminToken };
        var added = await RunAsync(["cluster", "add", "--json", "--url", urls, "--raft", joining.Raft, "--api", joining.Api], admin);
        Assert.True(added.ExitCode == 0, $"{added}\n{joining.Output}\n{cluster.LogTails()}");
        Assert.Equal("", added.Stderr); // no terminal: no spinner
        Assert.True(added.Json.GetProperty("changed").GetBoolean(), added.Stdout);
        Assert.Equal(4, added.Json.GetProperty("members").GetInt32());

        var status = await Poll.UntilAsync(async () => (await OkAsync("cluster", "status", "--json", "--url", urls)).Json,
            s => s.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("raft").GetString() == joining.Raft
                && m.GetProperty("reachable").GetBoolean() && m.GetProperty("role").GetString() == "follower"),
            Deadline, s => s.ToString());
        Assert.Equal(4, status.GetProperty("members").GetArrayLength());
        var human = await OkAsync("cluster", "status", "--url", joining.Api);
        Assert.Matches($@"(?m)^n4\s+{joining.Raft.Replace(".", @"\.")}\s+{joining.Api}\s+follower\s", human.Stdout);

        // Adding it again changes nothing and says so (the API answers 200: a retry is safe).
        var again = await RunAsync(["cluster", "add", "--url", urls, "--raft", joining.Raft, "--api", joining.Api], admin);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("was a member already; the cluster has 4 members", again.Stdout);

        var removed = await RunAsync(["cluster", "remove", "n4", "--url", urls], admin);
        Assert.True(removed.ExitCode == 0, $"{removed}\n{cluster.LogTails()}");
        Assert.StartsWith($"removed n4 ({joining.Raft})", removed.Stdout);
        Assert.Contains("the cluster has 3 members", removed.Stdout);
        status = (await OkAsync("cluster", "status", "--json", "--url", urls)).Json;
        Assert.DoesNotContain(status.GetProperty("members").EnumerateArray(), m => m.GetProperty("raft").GetString() == joining.Raft);

        // By id it is gone: 404 (exit 1). By address it is a retry of a done removal: 200, nothing changed.
        var unknown = await RunAsync(["cluster", "remove", "n4", "--url", urls], admin);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("404", unknown.Stderr);
        var retry = await RunAsync(["cluster", "remove", joining.Raft, "--json", "--url", urls], admin);
        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.False(retry.Json.GetProperty("changed").GetBoolean());
    }

    /// <summary>A node process started in join mode on free ports, with the cluster's tokens; killed (by its own PID) on dispose.</summary>
    private sealed class JoiningNode : IAsyncDisposable
    {
        private readonly Process process;
        private readonly StringBuilder output = new();
        private readonly string dataDirectory;
        private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };

        private JoiningNode(Process process, string dataDirectory, string raft, string api)
        {
            this.process = process;
            this.dataDirectory = dataDirectory;
            Raft = raft;
            Api = api;
        }

        public string Raft { get; }

        public string Api { get; }

        public string Output
        {
            get
            {
                lock (output)
                    return output.ToString();
            }
        }

        public static Task<JoiningNode> StartAsync(string apiToken)
        {
            var raft = $"127.0.0.1:{FreePorts.FindRun(1)}";
            var api = $"http://127.0.0.1:{FreePorts.FindRun(1)}";
            var dataDirectory = Path.Combine(Path.GetTempPath(), "rafttimers-tests", "cli-join-" + Guid.NewGuid().ToString("N")[..12]);
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(RepoPaths.NodeDll)!,
            };
            foreach (var arg in new[] { RepoPaths.NodeDll, "--node-id", "n4", "--http", api, "--raft", raft, "--data", dataDirectory, "--join", "true" })
                start.ArgumentList.Add(arg);
            start.Environment["RaftTimers__Security__AdminToken"] = LocalCluster.AdminToken;
            start.Environment["RaftTimers__Security__ApiToken"] = apiToken;
            var process = Process.Start(start)!;
            var node = new JoiningNode(process, dataDirectory, raft, api);
            process.OutputDataReceived += (_, e) => node.Append(e.Data);
            process.ErrorDataReceived += (_, e) => node.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return Task.FromResult(node);
        }

        private void Append(string? line)
        {
            if (line is null)
                return;
            lock (output)
                output.AppendLine(line);
        }

        public async Task<bool> AnswersAsync()
        {
            Assert.False(process.HasExited, $"the joining node exited with {(process.HasExited ? process.ExitCode : 0)}\n{Output}");
            try
            {
                var view = await http.GetFromJsonAsync<JsonElement>($"{Api}/cluster");
                return view.GetProperty("membership").GetString() == "joining";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
