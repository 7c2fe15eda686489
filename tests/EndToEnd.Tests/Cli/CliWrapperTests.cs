using static RaftTimers.EndToEnd.Tests.Infrastructure.CliProcess;

namespace RaftTimers.EndToEnd.Tests.Cli;

/// <summary>
/// The wrapper script tools/timers, run by bash from a copy of it in a scratch repository layout, with a fake
/// <c>dotnet</c> first on PATH that logs each call: "build" creates the dll (as MSBuild leaves an up-to-date one alone,
/// it does not touch an existing one) or fails when FAKE_BUILD_FAILS is set; anything else is the hand-over to the client.
/// File times are set explicitly, so no test waits for the clock.
/// </summary>
public sealed class CliWrapperTests : IDisposable
{
    private const string FakeDotnet = """
        #!/usr/bin/env bash
        if [[ "$1" == build ]]; then
            echo build >> "$FAKE_LOG"
            echo "fake build output on stdout"
            if [[ -n "${FAKE_BUILD_FAILS:-}" ]]; then echo "Program.cs(1,1): error CS1002: ; expected"; exit 1; fi
            dll="$(dirname "$2")/bin/Release/net10.0/timers.dll"
            mkdir -p "$(dirname "$dll")"
            [[ -f "$dll" ]] || : > "$dll"
            exit 0
        fi
        echo "run $*" >> "$FAKE_LOG"
        echo "client $*"
        """;

    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("timers-wrapper-");
    private readonly DateTime past = DateTime.UtcNow.AddHours(-2);

    public CliWrapperTests()
    {
        Directory.CreateDirectory(Path.Combine(root.FullName, "tools", "Cli", "Commands"));
        Directory.CreateDirectory(Path.Combine(root.FullName, "fake-bin"));
        File.Copy(Path.Combine(RepoPaths.Root, "tools", "timers"), Wrapper);
        foreach (var source in new[] { "tools/Cli/Cli.csproj", "tools/Cli/Program.cs", "tools/Cli/Commands/CreateCommand.cs", "Directory.Build.props", "Directory.Packages.props" })
            Write(source, "source");
        File.WriteAllText(Path.Combine(root.FullName, "fake-bin", "dotnet"), FakeDotnet.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows()) // the wrapper is a bash script: these tests run where the cluster tests run
            File.SetUnixFileMode(Path.Combine(root.FullName, "fake-bin", "dotnet"), (UnixFileMode)0b111_101_101);
    }

    private string Wrapper => Path.Combine(root.FullName, "tools", "timers");

    private string Dll => Path.Combine(root.FullName, "tools", "Cli", "bin", "Release", "net10.0", "timers.dll");

    private string Log => Path.Combine(root.FullName, "dotnet.log");

    private string[] Calls => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    private void Write(string relative, string text, DateTime? time = null)
    {
        var path = Path.Combine(root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, time ?? past);
    }

    /// <summary>Every source an hour older than a built dll: the state after a build.</summary>
    private void Built()
    {
        Write("tools/Cli/bin/Release/net10.0/timers.dll", "dll", past.AddHours(1));
    }

    private Task<Result> RunWrapperAsync(IReadOnlyDictionary<string, string>? extra = null, params string[] args)
    {
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = $"{Path.Combine(root.FullName, "fake-bin")}:{Environment.GetEnvironmentVariable("PATH")}",
            ["FAKE_LOG"] = Log,
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
            environment[name] = value;
        return RunProgramAsync("bash", [Wrapper], args, environment);
    }

    [Fact]
    public async Task Builds_when_the_dll_is_missing_then_hands_over_with_the_build_output_kept_off_stdout()
    {
        var result = await RunWrapperAsync(null, "get", "t 1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["build", $"run {Dll} get t 1"], Calls);
        Assert.Equal($"client {Dll} get t 1\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Does_not_build_when_the_dll_is_newer_than_every_source_also_in_parallel()
    {
        Built();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => RunWrapperAsync(null, "list", $"--page={i}")));
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.DoesNotContain("build", Calls);
        Assert.Equal(4, Calls.Length);
    }

    [Theory]
    [InlineData("tools/Cli/Program.cs")]
    [InlineData("tools/Cli/Commands/CreateCommand.cs")]
    [InlineData("tools/Cli/Cli.csproj")]
    [InlineData("tools/Cli/Commands/NewCommand.cs")]
    [InlineData("Directory.Build.props")]
    [InlineData("Directory.Packages.props")]
    public async Task Builds_once_when_a_source_or_props_file_is_newer_than_the_dll(string changed)
    {
        Built();
        Write(changed, "changed", DateTime.UtcNow);
        var first = await RunWrapperAsync(null, "list");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("", first.Stderr);
        var second = await RunWrapperAsync(null, "list");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(["build", $"run {Dll} list", $"run {Dll} list"], Calls); // the build left the dll as it was: the wrapper marks it fresh
    }

    [Theory]
    [InlineData("tools/Cli/obj/Release/net10.0/timers.AssemblyInfo.cs")]
    [InlineData("tools/Cli/bin/Release/net10.0/timers.pdb")]
    [InlineData("tools/Jepsen/Program.cs")]
    public async Task Does_not_build_for_newer_files_under_bin_obj_or_outside_the_client(string changed)
    {
        Built();
        Write(changed, "generated", DateTime.UtcNow);
        var result = await RunWrapperAsync(null, "list");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([$"run {Dll} list"], Calls);
    }

    [Fact]
    public async Task A_failed_build_exits_70_with_its_output_on_stderr_and_does_not_run_the_client()
    {
        Built();
        Write("tools/Cli/Program.cs", "broken", DateTime.UtcNow);
        var result = await RunWrapperAsync(new Dictionary<string, string> { ["FAKE_BUILD_FAILS"] = "1" }, "list");
        Assert.True(result.ExitCode == 70, result.ToString());
        Assert.Equal("", result.Stdout);
        Assert.Contains("error CS1002", result.Stderr);
        Assert.Contains("timers: build of", result.Stderr);
        Assert.Equal(["build"], Calls);
    }

    public void Dispose() => root.Delete(recursive: true);
}
