using System.Runtime.InteropServices;

namespace RaftTimers.JepsenLike.Network;

/// <summary>
/// Tearing the lab down. Deleting the hub namespace deletes the bridge and the hub ends of the veths, and a veth
/// pair dies with either end, so deleting every namespace of the lab leaves no link behind.
/// </summary>
/// <remarks>
/// <para><c>ip netns del</c> only removes a namespace's name: a process still running inside keeps the namespace
/// alive in the kernel (isolated, since its veth died with the hub) until it exits. The orchestrator therefore
/// stops the processes it started in the lab before disposing it.</para>
/// <para>Besides <see cref="DisposeAsync"/>, the lab tears itself down synchronously when the process ends
/// without disposing it: on SIGTERM, SIGINT (Ctrl-C), SIGHUP and SIGQUIT (through
/// <see cref="PosixSignalRegistration"/>: .NET raises no ProcessExit for a terminating signal), on an unhandled
/// exception (which raises no ProcessExit either), on Console.CancelKeyPress, and on a normal exit. A harness killed
/// outright (SIGKILL) runs no cleanup; its namespaces carry its pid and are removed by
/// <see cref="RemoveStaleLabsAsync"/> at the next <see cref="CreateAsync"/>, but processes it left running in
/// them are not touched.</para>
/// </remarks>
public sealed partial class NetworkLab
{
    private static readonly TimeSpan BuildStepWait = Shell.DefaultTimeout + TimeSpan.FromSeconds(5);

    private readonly List<PosixSignalRegistration> signalRegistrations = [];
    private readonly TaskCompletionSource disposalDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int disposed;

    /// <summary>
    /// Heals, then deletes every namespace of the lab. Idempotent: a second call returns once the first has finished,
    /// so a build interrupted by a signal does not end the process while the signal's teardown is still running.
    /// Throws if a namespace of the lab is still listed afterwards.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            await disposalDone.Task.WaitAsync(BuildStepWait * 2).ConfigureAwait(false);
            return;
        }

        var holdsBuild = await buildSteps.WaitAsync(BuildStepWait).ConfigureAwait(false);
        try
        {
            await HealAsync().ConfigureAwait(false);
        }
        catch (ShellCommandException)
        {
            // Best effort: a half-built lab may lack a table; the namespaces go next anyway.
        }

        foreach (var ns in AllNamespaces())
            await Shell.TryRunAsync(["ip", "netns", "del", ns]).ConfigureAwait(false);
        EndDispose(holdsBuild);
        var left = ListNamespaces().Where(ns => ns.StartsWith(NamespacePrefix, StringComparison.Ordinal)).ToList();
        if (left.Count > 0)
            throw new InvalidOperationException($"network lab namespaces still exist after deletion: {string.Join(", ", left)}");
    }

    /// <summary>
    /// Deletes the namespaces of labs whose creating process is gone (parsed from the name, checked in /proc); returns
    /// how many. Labs of live processes — this one's, or another concurrent run's — are left alone.
    /// </summary>
    public static async Task<int> RemoveStaleLabsAsync()
    {
        var removed = 0;
        foreach (var ns in ListNamespaces())
        {
            if (!LabNames.TryParseOwner(ns, out var pid) || Directory.Exists($"/proc/{pid}"))
                continue;

            // Another run may be removing the same stale lab: a name already gone is not an error.
            var result = await Shell.TryRunAsync(["ip", "netns", "del", ns]).ConfigureAwait(false);
            if (result.ExitCode == 0)
                removed++;
        }

        return removed;
    }

    /// <summary>The hub first: its deletion takes every link of the lab with it, whatever happens next.</summary>
    private IEnumerable<string> AllNamespaces() => Hosts.Prepend(Hub).Select(NamespaceOf);

    /// <summary>Called by the constructor, before the first namespace exists.</summary>
    private void RegisterExitCleanup()
    {
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        Console.CancelKeyPress += OnCancelKeyPress;
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
        {
            // The handler does not cancel the signal: once it has cleaned up, the signal's usual action proceeds.
            signalRegistrations.Add(PosixSignalRegistration.Create(signal, _ => DisposeNow()));
        }
    }

    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return false;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        Console.CancelKeyPress -= OnCancelKeyPress;
        foreach (var registration in signalRegistrations)
            registration.Dispose();
        return true;
    }

    /// <summary>Frees the lab's id and subnet; a build step still waiting then runs, sees the lab disposed and throws.</summary>
    private void EndDispose(bool holdsBuild)
    {
        if (holdsBuild)
            buildSteps.Release();
        disposalDone.TrySetResult();
        LabReservations.ReleaseSubnet(subnet);
        LabReservations.ReleaseId(labId);
    }

    /// <summary>
    /// The synchronous, best-effort teardown for signals and process exit, when no await is possible. It waits for
    /// a build step in flight, so a lab interrupted while being built leaves no namespace behind either.
    /// </summary>
    private void DisposeNow()
    {
        if (!BeginDispose())
        {
            disposalDone.Task.Wait(BuildStepWait * 2);
            return;
        }

        var holdsBuild = buildSteps.Wait(BuildStepWait);
        foreach (var ns in AllNamespaces())
            DeleteNamespace(ns);
        EndDispose(holdsBuild);
    }

    private static void DeleteNamespace(string ns)
    {
        try
        {
            Shell.Run(["ip", "netns", "del", ns]);
        }
        catch (ShellCommandException)
        {
            // Already gone, or never made: nothing to clean.
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => DisposeNow();

    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e) => DisposeNow();

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) => DisposeNow();
}
