using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using RaftTimers.EndToEnd.Tests.Infrastructure;
using RaftTimers.Node.Configuration;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// The container image of docs/deploy.md, built the way that page says (<c>dotnet publish -t:PublishContainer</c> to a
/// tarball) with no container daemon and no internet: the base image comes from a registry this test runs on loopback
/// (<see cref="StandInRegistry"/>). The tarball is then read back: entrypoint, user, ports, settings, labels, layers.
/// </summary>
public sealed class ContainerImageTests
{
    private const string BaseRepository = "stand-in/aspnet";
    private const string BaseTag = "10.0";
    private const string SourceUrl = "https://example.invalid/rafttimers";
    private static readonly TimeSpan PublishDeadline = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task The_published_image_runs_the_node_as_a_non_root_user_with_its_ports_settings_and_labels()
    {
        var work = Path.Combine(Path.GetTempPath(), "rafttimers-tests", "image-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(work);
        try
        {
            var baseImage = StandInBaseImage.Create();
            await using var registry = await StandInRegistry.StartAsync(BaseRepository, BaseTag, baseImage);
            var archive = Path.Combine(work, "rafttimers.tar");
            await PublishAsync(work, registry, archive);

            var image = ImageArchive.Read(archive);
            Assert.Contains($"GET /v2/{BaseRepository}/blobs/{baseImage.Layer.Digest} 200", registry.Requests);

            // The base image's layer, unchanged, under the app's layer.
            Assert.Equal(2, image.Layers.Count);
            Assert.Equal(baseImage.Layer.Digest, image.Layers[0].Digest);
            Assert.Equal(baseImage.LayerDiffId, (string?)image.Config["rootfs"]!["diff_ids"]![0]);

            var config = image.Config["config"]!;

            // Entrypoint: dotnet runs the node's dll from the app layer.
            var command = Strings(config["Entrypoint"]).Concat(Strings(config["Cmd"])).ToList();
            Assert.True(command is ["dotnet", _, ..], $"entrypoint and command: {string.Join(' ', command)}");
            var dll = command[1];
            Assert.Equal("/app/RaftTimers.Node.dll", dll);
            Assert.Equal("/app/", (string?)config["WorkingDir"]);
            var appFiles = image.Layers[1].Files();
            Assert.True(appFiles.ContainsKey(dll.TrimStart('/')), $"the app layer has no {dll}: {string.Join(", ", appFiles.Keys.Take(20))}");
            using (var pe = new PEReader(new MemoryStream(appFiles[dll.TrimStart('/')])))
            {
                var metadata = pe.GetMetadataReader();
                Assert.Equal("RaftTimers.Node", metadata.GetString(metadata.GetAssemblyDefinition().Name));
            }

            // The user: app (uid 1654) of the base image's /etc/passwd, never root.
            var user = (string?)config["User"];
            Assert.Equal("1654", user);
            var passwd = Encoding.ASCII.GetString(image.Layers[0].Files()["etc/passwd"]);
            Assert.Contains(passwd.Split('\n'), line => line.Split(':') is [var name, _, var uid, ..] && uid == user && name == "app");

            // The settings the image's variables give the node: every interface, and its data under the /data mount point.
            var environment = Strings(config["Env"]).Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            var settings = NodeSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(
                environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value))).Build());
            settings.Validate();
            var http = new Uri(settings.HttpUrl);
            Assert.Equal(IPAddress.Any.ToString(), http.Host);
            Assert.Equal(IPAddress.Any, settings.ParsedRaftListen.Address);
            Assert.StartsWith("/data/", settings.DataDirectory, StringComparison.Ordinal);

            // Both of those ports exposed.
            var ports = ((JsonObject)config["ExposedPorts"]!).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            Assert.Contains($"{http.Port}/tcp", ports);
            Assert.Contains($"{settings.ParsedRaftListen.Port}/tcp", ports);

            // OCI labels, the version MinVer gave this build (the same commit built these tests).
            var labels = (JsonObject)config["Labels"]!;
            Assert.Equal("RaftTimers", (string?)labels["org.opencontainers.image.title"]);
            Assert.False(string.IsNullOrWhiteSpace((string?)labels["org.opencontainers.image.description"]));
            Assert.Equal("MIT", (string?)labels["org.opencontainers.image.licenses"]);
            Assert.Equal(SourceUrl, (string?)labels["org.opencontainers.image.source"]);
            var version = typeof(NodeSettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
            Assert.Equal(version, (string?)labels["org.opencontainers.image.version"]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static IEnumerable<string> Strings(JsonNode? array) => array is JsonArray items ? items.Select(i => (string)i!) : [];

    /// <summary>
    /// Publishes src/Node as an image tarball. Every output of the build (restore included) goes under
    /// <paramref name="work"/> through the SDK's artifacts layout, so the repository's own bin/ and obj/, which other
    /// test assemblies and tools/cluster's nodes run from meanwhile, are never written; so does the SDK's layer cache
    /// (it lives under TMPDIR). No build server or MSBuild node outlives the command.
    /// </summary>
    private static async Task PublishAsync(string work, StandInRegistry registry, string archive)
    {
        var temp = Directory.CreateDirectory(Path.Combine(work, "tmp")).FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "publish", Path.Combine(RepoPaths.Root, "src", "Node", "Node.csproj"), "-c", "Release", "-t:PublishContainer",
            "--artifacts-path", Path.Combine(work, "artifacts"), "--disable-build-servers", "-nodeReuse:false", "--nologo",
            $"-p:ContainerBaseImage={registry.Host}/{BaseRepository}:{BaseTag}",
            $"-p:ContainerArchiveOutputPath={archive}",
            $"-p:RepositoryUrl={SourceUrl}",
        })
        {
            start.ArgumentList.Add(arg);
        }

        // The SDK speaks plain HTTP only to registries named here, and reads no credentials from the user's Docker config.
        start.Environment["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = registry.Host;
        start.Environment["DOCKER_CONFIG"] = Directory.CreateDirectory(Path.Combine(work, "docker")).FullName;
        start.Environment["TMPDIR"] = temp;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(PublishDeadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"dotnet publish did not finish within {PublishDeadline}\n{Tail(await stdout)}\n{await stderr}");
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"dotnet publish exited {process.ExitCode}\n{Tail(output)}\nregistry: {string.Join("; ", registry.Requests)}");
        Assert.True(File.Exists(archive), $"no {archive}\n{Tail(output)}");
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(60));

    /// <summary>An image tarball as the SDK writes it: an OCI image layout (index.json, blobs/sha256/...).</summary>
    private sealed record ImageArchive(JsonNode Config, IReadOnlyList<ArchivedLayer> Layers)
    {
        public static ImageArchive Read(string path)
        {
            var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            using (var file = File.OpenRead(path))
            using (var tar = new TarReader(file))
            {
                while (tar.GetNextEntry() is { } entry)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                        continue;
                    var bytes = new MemoryStream();
                    entry.DataStream.CopyTo(bytes);
                    entries[entry.Name.TrimStart('.', '/')] = bytes.ToArray();
                }
            }

            Assert.True(entries.ContainsKey("index.json"), $"not an OCI image layout: {string.Join(", ", entries.Keys)}");
            byte[] Blob(JsonNode descriptor) => entries[$"blobs/{((string)descriptor["digest"]!).Replace(':', '/')}"];
            var index = JsonNode.Parse(entries["index.json"])!;
            var manifest = JsonNode.Parse(Blob(index["manifests"]![0]!))!;
            var config = JsonNode.Parse(Blob(manifest["config"]!))!;
            var layers = ((JsonArray)manifest["layers"]!).Select(l => new ArchivedLayer((string)l!["digest"]!, (string)l["mediaType"]!, Blob(l))).ToList();
            return new ImageArchive(config, layers);
        }
    }

    private sealed record ArchivedLayer(string Digest, string MediaType, byte[] Bytes)
    {
        /// <summary>The layer's regular files by path (no leading slash).</summary>
        public Dictionary<string, byte[]> Files()
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            using var gzip = new GZipStream(new MemoryStream(Bytes), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                    continue;
                var bytes = new MemoryStream();
                entry.DataStream.CopyTo(bytes);
                files[entry.Name.TrimStart('.', '/')] = bytes.ToArray();
            }

            return files;
        }
    }
}
