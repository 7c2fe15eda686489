namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Picks the node dll for <c>start</c>: --node-dll, else $RAFTTIMERS_NODE_DLL, else the Release build in the
/// repository this tool was built from (found by walking up from the tool's own folder to the solution).
/// Tests pass --node-dll explicitly, pointing at whatever configuration they built.
/// </summary>
internal static class NodeDllLocator
{
    public const string EnvironmentVariable = "RAFTTIMERS_NODE_DLL";

    private static readonly string[] s_rootMarkers = ["RaftTimers.sln", "RaftTimers.slnx"];

    private static readonly string s_releaseDll = Path.Combine("src", "Node", "bin", "Release", "net10.0", "RaftTimers.Node.dll");

    public static string Resolve(string? fromCommandLine)
    {
        var chosen = fromCommandLine ?? NullIfEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable)) ?? FromRepository();
        var path = Path.GetFullPath(chosen);
        if (!File.Exists(path))
            throw new ToolFailure($"node dll not found: {path} (build src/Node, or pass --node-dll)");
        return path;
    }

    private static string FromRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (s_rootMarkers.Any(marker => File.Exists(Path.Combine(dir.FullName, marker))))
                return Path.Combine(dir.FullName, s_releaseDll);
        }
        throw new ToolFailure($"cannot find the node dll: pass --node-dll or set {EnvironmentVariable} (no RaftTimers.sln above {AppContext.BaseDirectory})");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
