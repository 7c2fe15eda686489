namespace RaftTimers.Support;

/// <summary>Where the built node, cluster tool, command-line client and example transport live, in the same configuration as these tests.</summary>
public static class RepoPaths
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static string Root { get; } = FindRoot();

    public static string NodeDll => Path.Combine(Root, "src", "Node", "bin", Configuration, "net10.0", "RaftTimers.Node.dll");

    public static string ClusterToolDll => Path.Combine(Root, "tools", "Cluster", "bin", Configuration, "net10.0", "cluster.dll");

    public static string CliDll => Path.Combine(Root, "tools", "Cli", "bin", Configuration, "net10.0", "timers.dll");

    /// <summary>The example plug-in transport (tools/SpoolTransport), which nodes load from configuration.</summary>
    public static string SpoolTransportDll => Path.Combine(Root, "tools", "SpoolTransport", "bin", Configuration, "net10.0", "RaftTimers.SpoolTransport.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RaftTimers.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"RaftTimers.sln not found above {AppContext.BaseDirectory}");
    }
}
