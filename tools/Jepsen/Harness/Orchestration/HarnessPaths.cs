namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>Where the built node and agent live, in the configuration the harness itself was built in.</summary>
public static class HarnessPaths
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static string Root { get; } = FindRoot();

    public static string NodeDll => Path.Combine(Root, "src", "Node", "bin", Configuration, "net10.0", "RaftTimers.Node.dll");

    public static string AgentDll => Path.Combine(Root, "tools", "Jepsen", "Agent", "bin", Configuration, "net10.0", "jepsen-agent.dll");

    /// <summary>The commit the run tests, for the report; "unknown" outside a git checkout.</summary>
    public static string Commit()
    {
        try
        {
            var head = File.ReadAllText(Path.Combine(Root, ".git", "HEAD")).Trim();
            if (!head.StartsWith("ref: ", StringComparison.Ordinal))
                return head;
            var reference = Path.Combine(Root, ".git", head[5..]);
            if (File.Exists(reference))
                return File.ReadAllText(reference).Trim();
            var packed = Path.Combine(Root, ".git", "packed-refs");
            return File.Exists(packed)
                ? File.ReadLines(packed).Select(l => l.Split(' ')).FirstOrDefault(p => p.Length == 2 && p[1] == head[5..])?[0] ?? "unknown"
                : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

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
