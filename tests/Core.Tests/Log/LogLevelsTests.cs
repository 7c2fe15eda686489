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
}
