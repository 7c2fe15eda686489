using System.Collections.Frozen;
using System.Security.Cryptography;

namespace RaftTimers.Node.Dashboard;

/// <summary>
/// The dashboard's page, style sheet and script, embedded in the node's assembly (Node.csproj, <c>Dashboard/Assets</c>)
/// and read once at start: nothing is fetched from anywhere at run time, so the dashboard works in closed networks.
/// </summary>
public sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private readonly FrozenDictionary<string, Asset> assets;

    private DashboardAssets(FrozenDictionary<string, Asset> assets) => this.assets = assets;

    /// <summary>One file: its bytes, media type and an ETag (a hash of the bytes).</summary>
    public sealed record Asset(byte[] Bytes, string ContentType, string ETag);

    public IEnumerable<string> Names => assets.Keys;

    public static DashboardAssets Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded resource {resource} cannot be read");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var name = resource[Prefix.Length..];
            files[name] = new Asset(bytes, ContentTypeOf(name), $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        }

        if (!files.ContainsKey("index.html"))
            throw new InvalidOperationException($"the dashboard's index.html is not embedded in {assembly.GetName().Name}");
        return new DashboardAssets(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public Asset? Find(string name) => assets.GetValueOrDefault(name);

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
