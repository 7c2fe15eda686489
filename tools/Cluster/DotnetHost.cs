namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Finds the <c>dotnet</c> executable that runs the nodes: the one running this tool when it was started as
/// <c>dotnet cluster.dll</c> (so nodes use the same SDK/runtime), else $DOTNET_HOST_PATH, else dotnet on PATH.
/// </summary>
internal static class DotnetHost
{
    public static string Find()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
            return self;
        var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
            return fromEnvironment;
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "dotnet"))
            .FirstOrDefault(File.Exists);
        return onPath ?? throw new ToolFailure("cannot find the dotnet executable to run the nodes (not on PATH, DOTNET_HOST_PATH unset)");
    }
}
