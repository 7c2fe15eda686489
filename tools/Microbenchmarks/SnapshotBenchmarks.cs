using System.Buffers;
using BenchmarkDotNet.Attributes;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Microbenchmarks;

/// <summary>
/// Snapshots of a state holding 100,000 pending timers, per whole snapshot: written as the node persists it
/// (1 MiB pieces, here into a reused <see cref="MemoryStream"/> instead of the snapshot file), written whole into a
/// reused buffer, and read back into a fresh state as a restarting or lagging node does.
/// </summary>
[MemoryDiagnoser]
public class SnapshotBenchmarks
{
    private const int N = 100_000;
    private const int PieceBytes = 1 << 20;
    private readonly TimerStateMachine state = new();
    private readonly ArrayBufferWriter<byte> whole = new();
    private readonly MemoryStream file = new();
    private byte[] snapshot = [];

    [GlobalSetup]
    public void Setup()
    {
        state.Apply(1, new TimerLogEntry(Sample.StampUnixMs, Sample.Creates(N)));
        snapshot = SnapshotCodec.Write(state);

        // Sized once here, so the benchmarks measure writing, not the growth of the destination.
        whole.GetSpan(snapshot.Length);
        file.Capacity = snapshot.Length;
        Console.WriteLine($"// snapshot of {N:N0} pending timers ({Sample.PayloadBytes}-byte payloads): {snapshot.Length:N0} bytes, {(double)snapshot.Length / N:F1} bytes per timer");
    }

    /// <summary>
    /// What holds up applies while a snapshot is taken (<c>LogApplier</c> under the store lock); the write
    /// below runs on its own thread.
    /// </summary>
    [Benchmark]
    public int Capture_image() => state.Capture().Records.Length;

    /// <summary>The node's write path: a captured image in 1 MiB pieces (<c>LogApplier.WriteSnapshot</c>).</summary>
    [Benchmark]
    public long Write_1MiB_pieces_to_stream()
    {
        file.SetLength(0);
        foreach (var piece in SnapshotCodec.WriteInChunks(state.Capture(), PieceBytes))
            file.Write(piece.Span);
        return file.Length;
    }

    [Benchmark]
    public int Write_whole_to_buffer()
    {
        whole.ResetWrittenCount();
        SnapshotCodec.Write(whole, state);
        return whole.WrittenCount;
    }

    [Benchmark]
    public int Read_into_fresh_state()
    {
        var restored = new TimerStateMachine();
        SnapshotCodec.Read(snapshot, restored);
        return restored.PendingCount;
    }
}
