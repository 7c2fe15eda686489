using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RaftTimers.EndToEnd.Tests.Infrastructure;

/// <summary>A blob as a registry serves it: its bytes, its media type and its content digest (<c>sha256:hex</c>).</summary>
internal sealed record RegistryBlob(byte[] Bytes, string MediaType)
{
    public string Digest { get; } = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Bytes));

    public JsonObject Descriptor() => new() { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Bytes.Length };
}

/// <summary>
/// A small base image made here, standing in for mcr.microsoft.com/dotnet/aspnet, which tests cannot reach: an OCI
/// manifest, a config, and one layer holding <c>/etc/passwd</c> and <c>/etc/group</c> with the aspnet images' user
/// <c>app</c> (uid 1654). Its config names no user, no <c>APP_UID</c> and no ASP.NET Core ports, so whatever user, ports
/// and variables the built image has come from the project file, never from this base.
/// </summary>
internal sealed class StandInBaseImage
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

    public const string Passwd = "root:x:0:0:root:/root:/sbin/nologin\napp:x:1654:1654::/home/app:/sbin/nologin\n";
    public const string Group = "root:x:0:\napp:x:1654:\n";

    private StandInBaseImage(RegistryBlob manifest, RegistryBlob config, RegistryBlob layer, string layerDiffId)
    {
        Manifest = manifest;
        Config = config;
        Layer = layer;
        LayerDiffId = layerDiffId;
    }

    public RegistryBlob Manifest { get; }

    public RegistryBlob Config { get; }

    public RegistryBlob Layer { get; }

    /// <summary>The digest of the layer's uncompressed tar, as an image config lists it in <c>rootfs.diff_ids</c>.</summary>
    public string LayerDiffId { get; }

    /// <summary>The architecture of this machine, as the SDK builds for it unless told otherwise.</summary>
    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        var other => throw new PlatformNotSupportedException($"no stand-in base image for {other}"),
    };

    public static StandInBaseImage Create()
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            // A fixed time, so the layer and its digests are the same on every run.
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "etc/") { Mode = (UnixFileMode)0b111_101_101, ModificationTime = time });
            foreach (var (name, text) in new[] { ("etc/passwd", Passwd), ("etc/group", Group) })
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    Mode = (UnixFileMode)0b110_100_100,
                    ModificationTime = time,
                    DataStream = new MemoryStream(Encoding.ASCII.GetBytes(text)),
                });
            }
        }

        var uncompressed = tar.ToArray();
        var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(uncompressed);
        var layer = new RegistryBlob(gzipped.ToArray(), OciLayerGzip);
        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(uncompressed));

        var config = new RegistryBlob(Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = Architecture,
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                ["WorkingDir"] = "/",
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
            ["history"] = new JsonArray(new JsonObject { ["created_by"] = "RaftTimers tests: stand-in base image" }),
        }.ToJsonString()), OciConfig);

        var manifest = new RegistryBlob(Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = config.Descriptor(),
            ["layers"] = new JsonArray(layer.Descriptor()),
        }.ToJsonString()), OciManifest);

        return new StandInBaseImage(manifest, config, layer, diffId);
    }
}

/// <summary>
/// A read-only OCI distribution registry on 127.0.0.1 serving one image under one repository and tag, over plain HTTP:
/// <c>/v2/</c>, the manifest by tag or by digest and the blobs by digest, for GET and HEAD, with the media types and
/// <c>Docker-Content-Digest</c> a registry sends. Anything else gets 404 (unknown) or 405 (writes). Every request is
/// recorded, so a test can tell that its image was really pulled from here.
/// </summary>
internal sealed class StandInRegistry : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly string repository;
    private readonly string tag;
    private readonly StandInBaseImage image;

    private StandInRegistry(WebApplication app, string repository, string tag, StandInBaseImage image)
    {
        this.app = app;
        this.repository = repository;
        this.tag = tag;
        this.image = image;
    }

    /// <summary><c>127.0.0.1:port</c>, the registry's name in an image reference.</summary>
    public string Host { get; private set; } = "";

    /// <summary>The requests served so far, as <c>METHOD /path status</c>.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<StandInRegistry> StartAsync(string repository, string tag, StandInBaseImage image)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var registry = new StandInRegistry(app, repository, tag, image);
        app.Run(registry.ServeAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        registry.Host = new Uri(address).Authority;
        return registry;
    }

    private async Task ServeAsync(HttpContext context)
    {
        var (status, blob) = Find(context.Request.Method, context.Request.Path.Value ?? "");
        Requests.Enqueue($"{context.Request.Method} {context.Request.Path} {status}");
        context.Response.StatusCode = status;
        context.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        if (blob is null)
        {
            var body = Encoding.UTF8.GetBytes(status == 200 ? "{}" : $$"""{"errors":[{"code":"{{(status == 405 ? "UNSUPPORTED" : "NAME_UNKNOWN")}}","message":"stand-in registry"}]}""");
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = body.Length;
            if (!HttpMethods.IsHead(context.Request.Method))
                await context.Response.Body.WriteAsync(body);
            return;
        }

        context.Response.ContentType = blob.MediaType;
        context.Response.ContentLength = blob.Bytes.Length;
        context.Response.Headers["Docker-Content-Digest"] = blob.Digest;
        if (!HttpMethods.IsHead(context.Request.Method))
            await context.Response.Body.WriteAsync(blob.Bytes);
    }

    private (int Status, RegistryBlob? Blob) Find(string method, string path)
    {
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
            return (405, null);
        if (path is "/v2/" or "/v2")
            return (200, null);

        var prefix = $"/v2/{repository}/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
            return (404, null);
        var rest = path[prefix.Length..];
        if (rest.StartsWith("manifests/", StringComparison.Ordinal))
        {
            var reference = rest["manifests/".Length..];
            return reference == tag || reference == image.Manifest.Digest ? (200, image.Manifest) : (404, null);
        }

        if (rest.StartsWith("blobs/", StringComparison.Ordinal))
        {
            var digest = rest["blobs/".Length..];
            var blob = new[] { image.Config, image.Layer }.FirstOrDefault(b => b.Digest == digest);
            return blob is null ? (404, null) : (200, blob);
        }

        return (404, null);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
