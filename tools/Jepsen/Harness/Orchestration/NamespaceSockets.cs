using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>
/// Creates sockets inside a named network namespace while the harness itself stays in the root one.
/// A socket belongs to the namespace of the thread that created it, so one dedicated thread joins the
/// namespace (setns) and creates every socket; connecting and I/O then happen anywhere. This lets the
/// workload client talk to nodes at addresses that exist only inside the lab, with no address in the root
/// namespace (the workplace's network rule).
/// </summary>
public sealed class NamespaceSockets : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<(AddressFamily Family, TaskCompletionSource<Socket> Result)> requests = new();
    private readonly Thread thread;
    private readonly TaskCompletionSource joined = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NamespaceSockets(string namespaceName)
    {
        NamespaceName = namespaceName;
        thread = new Thread(() => Run(namespaceName)) { IsBackground = true, Name = $"netns {namespaceName}" };
        thread.Start();
        joined.Task.GetAwaiter().GetResult();
    }

    public string NamespaceName { get; }

    /// <summary>An HTTP handler whose connections originate inside the namespace.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = 64,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        ConnectCallback = async (context, token) =>
        {
            var endpoint = context.DnsEndPoint;
            var address = IPAddress.Parse(endpoint.Host);
            var socket = await CreateSocketAsync(address.AddressFamily).ConfigureAwait(false);
            try
            {
                socket.NoDelay = true;
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), token).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public Task<Socket> CreateSocketAsync(AddressFamily family)
    {
        var result = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        requests.Add((family, result));
        return result.Task;
    }

    private void Run(string namespaceName)
    {
        try
        {
            using var handle = File.OpenHandle($"/var/run/netns/{namespaceName}", FileMode.Open, FileAccess.Read);
            if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                throw new InvalidOperationException($"setns into {namespaceName} failed: errno {Marshal.GetLastPInvokeError()}");
            joined.SetResult();
        }
        catch (Exception e)
        {
            joined.SetException(e);
            return;
        }

        foreach (var (family, result) in requests.GetConsumingEnumerable())
        {
            try
            {
                result.SetResult(new Socket(family, SocketType.Stream, ProtocolType.Tcp));
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        }
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);

    public void Dispose() => requests.CompleteAdding();
}
