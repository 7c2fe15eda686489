using System.Reflection;
using Microsoft.Extensions.Logging;

namespace RaftTimers.Node.Tests;

/// <summary>
/// Operators filter and alert on log event ids: one id must mean one message across the node, so two messages that
/// share an id (the storage and forwarding events once did) fail here.
/// </summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_message_of_the_node_has_an_event_id_of_its_own()
    {
        Assembly[] assemblies = [typeof(RaftTimers.Node.NodeHost).Assembly, typeof(RaftTimers.Cluster.Hosting.TimerNode).Assembly];
        var messages = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        Assert.True(messages.Count > 50, $"found only {messages.Count} log messages: the scan misses the node's assemblies");
        var shared = messages.GroupBy(m => m.Attribute!.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}").ToList();
        Assert.True(shared.Count == 0, "event ids used by more than one message:\n" + string.Join("\n", shared));
    }
}
