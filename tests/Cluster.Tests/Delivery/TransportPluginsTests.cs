using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Model;
using RaftTimers.Support;

namespace RaftTimers.Tests;

/// <summary>
/// <see cref="TransportPlugins"/> with the example plug-in (tools/SpoolTransport), built but never referenced by these
/// tests: it loads into a context of its own yet implements the node's <see cref="ICallbackTransport"/>, delivers, and
/// every way to misconfigure a plug-in stops with the setting named.
/// </summary>
public sealed class TransportPluginsTests : IDisposable
{
    private const string SpoolType = "RaftTimers.SpoolTransport.SpoolCallbackTransport";
    private const string Setting = "RaftTimers:Transports:spool";

    private readonly string directory = Directory.CreateTempSubdirectory("spool-").FullName;

    private CallbackTransportContext Context(string name = "spool", Dictionary<string, string>? settings = null)
        => new(name, settings ?? new() { ["Directory"] = directory }, new DeliveryOptions(), null, NullLoggerFactory.Instance, TimeProvider.System);

    private static TransportPlugin Plugin(string name = "spool", string? assembly = null, string type = SpoolType)
        => new(name, assembly ?? RepoPaths.SpoolTransportDll, type, new Dictionary<string, string>(), $"RaftTimers:Transports:{name}");

    [Fact]
    public async Task The_example_plugin_loads_in_its_own_context_and_delivers_a_timer_as_a_file()
    {
        var transport = TransportPlugins.Load(Plugin(), Context());

        Assert.Equal("spool", transport.Name);
        Assert.NotSame(typeof(TransportPlugins).Assembly, transport.GetType().Assembly);
        Assert.NotEqual(System.Runtime.Loader.AssemblyLoadContext.Default, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(transport.GetType().Assembly));
        Assert.True(transport.Accepts(new Uri("spool://orders")));
        Assert.False(transport.Accepts(new Uri("spool://../etc")));
        Assert.False(transport.Accepts(new Uri("spool://orders/x")));

        var timer = new TimerRecord("order/42", 3, TimerStatus.Firing, 0, 0,
            new TimerSpec(1000, new CallbackSpec("spool", "post", "spool://orders"), new TimerData(TimerDataKind.Json, """{"n":1}"""u8.ToArray())), 0, null, 0)
        { FiredAtIndex = 17 };
        var result = await transport.SendAsync(timer, 2, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(directory, "orders")));
        Assert.Equal("order%2F42%3A3%3A17.json", Path.GetFileName(file));
        using var written = JsonDocument.Parse(File.ReadAllBytes(file));
        Assert.Equal("order/42", written.RootElement.GetProperty("id").GetString());
        Assert.Equal("order/42:3:17", written.RootElement.GetProperty("idempotencyKey").GetString());
        Assert.Equal(2, written.RootElement.GetProperty("attempt").GetInt32());
        Assert.Equal(1, written.RootElement.GetProperty("data").GetProperty("n").GetInt32());
    }

    [Fact]
    public void A_plugin_missing_its_own_setting_fails_to_start_with_its_reason()
    {
        var e = Assert.Throws<InvalidOperationException>(() => TransportPlugins.Load(Plugin(), Context(settings: [])));
        Assert.Equal($"{Setting}: {SpoolType} failed to start: Settings:Directory is required: the directory the spool's queues live in", e.Message);
    }

    [Fact]
    public void A_missing_assembly_is_named_with_its_setting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => TransportPlugins.Load(Plugin(assembly: Path.Combine(directory, "absent.dll")), Context()));
        Assert.StartsWith($"{Setting}:Assembly: no file ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_an_assembly_is_refused()
    {
        var fake = Path.Combine(directory, "fake.dll");
        File.WriteAllText(fake, "not a dll");
        var e = Assert.Throws<InvalidOperationException>(() => TransportPlugins.Load(Plugin(assembly: fake), Context()));
        Assert.StartsWith($"{Setting}:Assembly: {fake} is not a .NET assembly", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RaftTimers.SpoolTransport.NoSuchType", "has no type")]
    [InlineData("RaftTimers.SpoolTransport.SpoolCallbackTransport+Nope", "has no type")]
    public void A_type_that_is_not_there_is_refused(string type, string reason)
    {
        var e = Assert.Throws<InvalidOperationException>(() => TransportPlugins.Load(Plugin(type: type), Context()));
        Assert.StartsWith($"{Setting}:Type: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http", "built-in")]
    [InlineData("tcp", "built-in")]
    [InlineData("Spool", "lowercase")]
    [InlineData("a b", "lowercase")]
    public void A_name_that_is_taken_or_malformed_is_refused(string name, string reason)
    {
        var e = Assert.Throws<InvalidOperationException>(() => TransportPlugins.Load(Plugin(name: name), Context(name)));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_transports_of_one_name_cannot_be_registered()
    {
        var options = new DeliveryOptions();
        var e = Assert.Throws<ArgumentException>(() => new CallbackTransports([new TcpCallbackTransport(options), new TcpCallbackTransport(options)]));
        Assert.Contains("two transports are named 'tcp'", e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
