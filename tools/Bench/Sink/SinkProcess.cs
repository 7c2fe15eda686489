using System.Diagnostics;
using System.Globalization;

namespace RaftTimers.Tools.Bench.Sink;

/// <summary>
/// One callback arrival as the sink saw it: <see cref="Run"/> and <see cref="Seq"/> from a <c>/cb/RUN/SEQ</c> path, or
/// the seq from the body's <c>seq</c> and no run when the callback URI was shared.
/// </summary>
public readonly record struct Arrival(long UnixMicros, string TimerId, string Key, long Seq, string Run);

/// <summary>Starts <c>bench sink</c> as a child process, reads its address, and stops it (closing its stdin, then by PID).</summary>
public sealed class SinkProcess : IAsyncDisposable
{
    private readonly Process process;

    private SinkProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Where callback URIs start: <c>/cb</c> and <c>/cb/RUN/SEQ</c> below it are recorded (<see cref="Load.TimerShape"/>).</summary>
    public string CallbackBase => Address.GetLeftPart(UriPartial.Authority);

    public static async Task<SinkProcess> StartAsync(string host)
    {
        var self = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            info.ArgumentList.Add(typeof(SinkProcess).Assembly.Location);
        foreach (var arg in new[] { "sink", "--host", host, "--port", "0" })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the sink process");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false)
                   ?? throw new InvalidOperationException("the sink process exited before it said its address");
        return new SinkProcess(process, new Uri(line.Trim()));
    }

    public async Task<List<Arrival>> ReadAsync(CancellationToken token)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(Address, "/records"), token).ConfigureAwait(false);
        var arrivals = new List<Arrival>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            arrivals.Add(new Arrival(long.Parse(f[0], CultureInfo.InvariantCulture), f[1], f[2], long.Parse(f[3], CultureInfo.InvariantCulture), f[4]));
        }

        return arrivals;
    }

    public async Task<long> CountAsync(CancellationToken token)
    {
        using var http = new HttpClient();
        return long.Parse(await http.GetStringAsync(new Uri(Address, "/count"), token).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }

        process.Dispose();
    }
}
