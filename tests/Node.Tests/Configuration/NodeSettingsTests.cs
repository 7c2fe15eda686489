using Microsoft.Extensions.Configuration;
using RaftTimers.Cluster.Propose;
using RaftTimers.Cluster.Service;
using RaftTimers.Core.Lead;
using RaftTimers.Node.Configuration;

namespace RaftTimers.Node.Tests.Configuration;

/// <summary>
/// The node's settings are the options types' fields under their configuration names: the defaults are written once,
/// in the options types, and what is configured reaches the options the node starts with.
/// </summary>
public sealed class NodeSettingsTests
{
    /// <summary>Settings from <c>RaftTimers:</c>-relative keys, as the node binds them.</summary>
    internal static NodeSettings Load(params (string Key, string Value)[] values)
        => NodeSettings.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"{NodeSettings.Section}:{v.Key}", v.Value)))
            .Build());

    [Fact]
    public void Unset_settings_are_the_options_types_defaults()
    {
        var settings = Load();
        var leader = new LeaderOptions();
        var proposer = new ProposerOptions();
        var service = new ServiceOptions();

        Assert.Equal(leader.RetentionMs, settings.Retention.FinishedTimerRetentionMs);
        Assert.Equal(leader.PurgeIntervalMs, settings.Retention.PurgeIntervalMs);
        Assert.Equal(leader.MaxFinishedTimers, settings.Retention.MaxFinishedTimers);
        Assert.Equal(proposer.MaxCommandsPerEntry, settings.Raft.MaxCommandsPerEntry);
        Assert.Equal(proposer.MaxEntriesInFlight, settings.Raft.MaxEntriesInFlight);
        Assert.Equal(service.MaxPendingTimers, settings.MaxPendingTimers);
        Assert.Equal(service.MaxPendingBytes, settings.MaxPendingBytes);
        Assert.Equal(service.RequestTimeoutMs, settings.RequestTimeoutMs);
    }

    [Fact]
    public void Configured_settings_reach_the_options_the_node_starts_with()
    {
        var settings = Load(
            ("Retention:FinishedTimerRetentionMs", "5000"),
            ("Retention:PurgeSliceTimers", "7"),
            ("Raft:MaxCommandsPerEntry", "32"),
            ("MaxPendingTimers", "99"),
            ("RequestTimeoutMs", "1234"));

        Assert.Equal(5000, settings.Retention.Leader.RetentionMs);
        Assert.Equal(7, settings.Retention.Leader.PurgeSliceTimers);
        Assert.Equal(32, settings.Raft.Proposer.MaxCommandsPerEntry);
        Assert.Equal(99, settings.Service.MaxPendingTimers);
        Assert.Equal(1234, settings.Service.RequestTimeoutMs);
    }
}
