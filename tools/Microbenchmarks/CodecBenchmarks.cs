using BenchmarkDotNet.Attributes;
using RaftTimers.Core.Log;

namespace RaftTimers.Microbenchmarks;

/// <summary>
/// The log codec, per entry: the leader encodes every proposal (<c>CommandProposer</c>) and every node decodes every
/// committed entry before applying it. One create is a lone request; 256 is a full group commit or fire batch.
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int Batch = 256;
    private TimerCommand[] oneCreate = [];
    private TimerCommand[] creates = [];
    private TimerCommand[] fires = [];
    private byte[] oneCreateEntry = [];
    private byte[] createsEntry = [];
    private byte[] firesEntry = [];

    [GlobalSetup]
    public void Setup()
    {
        oneCreate = Sample.Creates(1);
        creates = Sample.Creates(Batch);
        fires = Sample.Fires(Batch);
        oneCreateEntry = LogEntryCodec.Encode(Sample.StampUnixMs, oneCreate);
        createsEntry = LogEntryCodec.Encode(Sample.StampUnixMs, creates);
        firesEntry = LogEntryCodec.Encode(Sample.StampUnixMs, fires);
        Console.WriteLine($"// entry bytes: 1 create {oneCreateEntry.Length}, {Batch} creates {createsEntry.Length}, {Batch} fires {firesEntry.Length}");
    }

    [Benchmark]
    public byte[] Encode_1_create() => LogEntryCodec.Encode(Sample.StampUnixMs, oneCreate);

    [Benchmark]
    public byte[] Encode_256_creates() => LogEntryCodec.Encode(Sample.StampUnixMs, creates);

    [Benchmark]
    public byte[] Encode_256_fires() => LogEntryCodec.Encode(Sample.StampUnixMs, fires);

    [Benchmark]
    public TimerLogEntry Decode_1_create() => LogEntryCodec.Decode(oneCreateEntry);

    [Benchmark]
    public TimerLogEntry Decode_256_creates() => LogEntryCodec.Decode(createsEntry);

    [Benchmark]
    public TimerLogEntry Decode_256_fires() => LogEntryCodec.Decode(firesEntry);
}
