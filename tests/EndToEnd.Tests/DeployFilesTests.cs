using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using RaftTimers.Cluster.Membership;
using RaftTimers.Node.Configuration;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// The deployment files in deploy/ configure a node the way the node reads its settings: every <c>RaftTimers__…</c>
/// variable they set names a real setting, and the values, with the placeholders filled in as the platform would, pass
/// the node's own start-up checks and describe a three-member cluster known by names. No container runtime is needed:
/// the files are read, not run. Each file's own tool checks its syntax where it is installed (docs/deploy.md).
/// </summary>
public sealed partial class DeployFilesTests
{
    private static string Deploy(string path) => Path.Combine(RepoPaths.Root, "deploy", path);

    [Fact]
    public void The_compose_nodes_settings_are_valid_and_name_three_members()
    {
        var text = File.ReadAllText(Deploy("compose/compose.yaml"));
        // The shared settings, then one service's own: the last service's NodeId, HttpUrl and RaftEndPoint win.
        var settings = new Dictionary<string, string>();
        foreach (Match m in ComposeSetting().Matches(text))
            settings[m.Groups[1].Value] = FillCompose(m.Groups[2].Value.Trim());
        var node = Check(settings);

        Assert.Equal("n3", node.NodeId);
        Assert.Equal(new DnsEndPoint("n3", 9080), node.ParsedRaftEndPoint);
        AssertThreeNamedMembers(node);
        Assert.Contains("\"probe\", \"ready\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_kubernetes_pods_settings_are_valid_and_name_every_replica()
    {
        var text = File.ReadAllText(Deploy("kubernetes/rafttimers.yaml"));
        var settings = KubernetesSetting().Matches(text).ToDictionary(m => m.Groups[1].Value,
            m => m.Groups[2].Value.Trim().Replace("$(POD_NAME)", "timers-1", StringComparison.Ordinal).Replace("$(POD_NAMESPACE)", "prod", StringComparison.Ordinal));
        // Those taken from the ConfigMap and the Secret are settings too.
        foreach (Match named in KubernetesName().Matches(text))
            Assert.True(IsSetting(named.Groups[1].Value["RaftTimers__".Length..].Split("__")), $"{named.Groups[1].Value} is not a setting of the node");
        settings["RaftTimers__Bootstrap"] = "true";
        var node = Check(settings);

        Assert.Equal("timers-1", node.NodeId);
        Assert.Equal("timers-1.timers.prod.svc.cluster.local:9080", RaftAddress.Format(node.ParsedRaftEndPoint));
        Assert.Equal("http://timers-1.timers.prod.svc.cluster.local:8080", node.HttpUrl);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 9080), node.ParsedRaftListen);
        AssertThreeNamedMembers(node);
        Assert.Contains("replicas: 3", text, StringComparison.Ordinal);
        Assert.Equal(["timers-0", "timers-1", "timers-2"], node.ParsedMembers.Select(m => ((DnsEndPoint)m).Host.Split('.')[0]).Order());
        foreach (var needed in (string[])["clusterIP: None", "publishNotReadyAddresses: true", "podManagementPolicy: Parallel", "path: /health/ready",
                     "kind: PodDisruptionBudget", "maxUnavailable: 1", "volumeClaimTemplates:", "runAsNonRoot: true", "preStop:"])
            Assert.Contains(needed, text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_systemd_units_settings_are_valid_and_it_runs_the_node_it_names()
    {
        // The unit's Environment= first: systemd lets its EnvironmentFile= override those.
        var unit = File.ReadAllText(Deploy("systemd/rafttimers.service"));
        var environment = UnitEnvironment().Matches(unit).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
        foreach (var line in File.ReadAllLines(Deploy("systemd/rafttimers.env")).Where(l => l.StartsWith("RaftTimers__", StringComparison.Ordinal)))
        {
            var pair = line.Split('=', 2);
            environment[pair[0]] = pair[1];
        }

        var node = Check(environment);

        Assert.Equal("/var/lib/rafttimers/node", node.DataDirectory);
        AssertThreeNamedMembers(node);
        Assert.Contains($"/opt/rafttimers/{typeof(NodeSettings).Assembly.GetName().Name}.dll", unit, StringComparison.Ordinal);
        Assert.Contains("KillSignal=SIGTERM", unit, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Systemd_verifies_the_unit_without_a_word()
    {
        Skip.IfNot(File.Exists("/usr/bin/systemd-analyze"), "NOT RUN: systemd-analyze is not installed");
        var folder = Directory.CreateTempSubdirectory("rafttimers-unit-");
        try
        {
            var unit = Path.Combine(folder.FullName, "rafttimers.service");
            File.Copy(Deploy("systemd/rafttimers.service"), unit);
            var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/systemd-analyze", ["verify", unit])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            // Unknown keys and bad values are only warnings, each naming the file: none may name it.
            Assert.True(process.ExitCode == 0 && !output.Contains("rafttimers.service", StringComparison.Ordinal), output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Loads the variables as the node's environment provider would (<c>__</c> is <c>:</c>) and runs its checks.</summary>
    private static NodeSettings Check(IReadOnlyDictionary<string, string> variables)
    {
        Assert.NotEmpty(variables);
        foreach (var name in variables.Keys)
            Assert.True(IsSetting(name["RaftTimers__".Length..].Split("__")), $"{name} is not a setting of the node");
        var node = NodeSettings.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(variables.Select(v => new KeyValuePair<string, string?>(v.Key.Replace("__", ":", StringComparison.Ordinal), v.Value)))
            .Build());
        node.Validate();
        return node;
    }

    /// <summary>Whether the path names a property of <see cref="NodeSettings"/>, a section at a time, ignoring case as binding does.</summary>
    private static bool IsSetting(IEnumerable<string> path)
    {
        var type = typeof(NodeSettings);
        foreach (var part in path)
        {
            var property = type.GetProperty(part, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (property is null)
                return false;
            type = property.PropertyType;
        }

        return true;
    }

    /// <summary>Three members, all names, and the node among them as configured (the node would add itself otherwise).</summary>
    private static void AssertThreeNamedMembers(NodeSettings node)
    {
        Assert.Equal(3, node.ParsedMembers.Count);
        Assert.All(node.ParsedMembers, m => Assert.IsType<DnsEndPoint>(m));
        var listed = node.Members.Split(',', StringSplitOptions.TrimEntries).Select(m => RaftAddress.TryParse(m, out var a) ? RaftAddress.Format(a) : m);
        Assert.Contains(RaftAddress.Format(node.ParsedRaftEndPoint), listed);
    }

    /// <summary>Compose's <c>${NAME:-default}</c> as compose fills it with NAME unset.</summary>
    private static string FillCompose(string value) => ComposeDefault().Replace(value, m => m.Groups[1].Value);

    [GeneratedRegex(@"^\s+(RaftTimers__\w+): (.*)$", RegexOptions.Multiline)]
    private static partial Regex ComposeSetting();

    [GeneratedRegex(@"\$\{\w+:-([^}]*)\}")]
    private static partial Regex ComposeDefault();

    /// <summary>A container's <c>- name: RaftTimers__X</c> with a literal value, on its line or folded (<c>&gt;-</c>) onto the next.</summary>
    [GeneratedRegex(@"- name: (RaftTimers__\w+)\s*\n\s+value: (?:>-\s*\n\s+)?(\S.*)$", RegexOptions.Multiline)]
    private static partial Regex KubernetesSetting();

    [GeneratedRegex(@"- name: (RaftTimers__\w+)")]
    private static partial Regex KubernetesName();

    [GeneratedRegex(@"^Environment=(RaftTimers__\w+)=(.*)$", RegexOptions.Multiline)]
    private static partial Regex UnitEnvironment();
}
