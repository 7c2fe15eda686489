using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>The rolling-upgrade gate: a command version is written only once every member publishes a level that reads it.</summary>
public sealed class LogLevelsTests
{
    private static Dictionary<string, string> Publishing(string level) => new() { [LogLevels.MetadataKey] = level, ["id"] = "n2" };

    [Fact]
    public void A_cluster_reads_what_its_lowest_member_reads()
    {
        Assert.Equal(LogLevels.Current, LogLevels.Lowest([]));
        Assert.Equal(LogLevels.Current, LogLevels.Lowest([Publishing($"{LogLevels.Current}"), Publishing("99")]));
        Assert.Equal(LogLevels.Base, LogLevels.Lowest([Publishing($"{LogLevels.Current}"), Publishing("1")]));
    }

    [Fact]
    public void A_member_that_publishes_no_level_or_is_unknown_or_garbled_counts_as_the_base_level()
    {
        Assert.Equal(LogLevels.Base, LogLevels.Lowest([new Dictionary<string, string> { ["id"] = "old-build" }]));
        Assert.Equal(LogLevels.Base, LogLevels.Lowest([null]));
        Assert.Equal(LogLevels.Base, LogLevels.Lowest([Publishing("two")]));
        Assert.Equal(LogLevels.Base, LogLevels.Lowest([Publishing("-3")]));
        Assert.Equal(LogLevels.Base, LogLevels.Lowest([Publishing("0")]));
    }

    [Fact]
    public void A_command_needs_the_level_that_added_its_version()
    {
        var callback = new RaftTimers.Core.Model.CallbackSpec("http", "post", "http://h/");
        var timeout = new RaftTimers.Core.Model.TimerSpec(500, callback, RaftTimers.Core.Model.TimerData.None);
        var dueAt = RaftTimers.Core.Model.TimerSpec.At(1_767_225_600_000, callback, RaftTimers.Core.Model.TimerData.None);

        Assert.Equal(LogLevels.Base, LogLevels.Needed(new CreateTimer("a", timeout)));
        Assert.Equal(LogLevels.Base, LogLevels.Needed(new UpdateTimer("a", timeout, 3)));
        Assert.Equal(LogLevels.Base, LogLevels.Needed(new CancelTimer("a")));
        Assert.Equal(LogLevels.Base, LogLevels.Needed(new PurgeFinished(1_000)));
        Assert.Equal(LogLevels.PurgeBounds, LogLevels.Needed(new PurgeFinished(1_000, new FinishedBounds(1, 1, 1))));
        Assert.Equal(LogLevels.AbsoluteDue, LogLevels.Needed(new CreateTimer("a", dueAt)));
        Assert.Equal(LogLevels.AbsoluteDue, LogLevels.Needed(new UpdateTimer("a", dueAt)));
        var headers = RaftTimers.Core.Model.TimerHeaders.TryCreate([new("X-Tenant", "acme")], allowCredentials: false, out _);
        Assert.Equal(LogLevels.SpecFields, LogLevels.Needed(new CreateTimer("a", timeout with { Headers = headers })));
        Assert.Equal(LogLevels.SpecFields, LogLevels.Needed(new UpdateTimer("a", dueAt with { Headers = headers }, 2)));
        Assert.True(LogLevels.SpecFields <= LogLevels.Current, "this build reads what it may write");
    }
}
