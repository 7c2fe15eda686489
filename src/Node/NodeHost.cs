using System.Diagnostics.Metrics;
using System.Net;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Cluster.Forwarding;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Membership;
using RaftTimers.Cluster.Security;
using RaftTimers.Cluster.Service;
using RaftTimers.Cluster.Storage;
using RaftTimers.Node.Admin;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Clock;
using RaftTimers.Node.Configuration;
using RaftTimers.Node.Dashboard;
using RaftTimers.Node.Forwarding;
using RaftTimers.Node.Health;
using RaftTimers.Node.Http;
using RaftTimers.Node.Metrics;
using RaftTimers.Node.OpenApi;
using RaftTimers.Node.Security;

namespace RaftTimers.Node;

/// <summary>
/// Starts a node: configuration, then the Raft node (snapshot restore, log replay, Raft member), and only
/// then Kestrel, so the API never answers from a half-replayed state (docs/dotnext.md, start-up order).
/// </summary>
public static partial class NodeHost
{
    /// <summary>The .NET runtime's own meter (GC, thread pool, memory): the figures that explain pauses and memory under load.</summary>

    /// <summary>.NET's switch that completes socket operations on the socket engine's thread (read once, at first socket use).</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> RunAsync(string[] args)
    {
        // Socket completions (HTTP and Raft alike) run inline rather than hopping to the thread pool: a hop per
        // completion costs a context switch that, on few cores, is much of a write's cost (docs/benchmarks.md).
        // Nothing in the node blocks a thread on a socket's path. An operator's own setting (e.g. 0) wins.
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, NodeSettings.SwitchMappings);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        NodeSettings settings;
        CallbackPolicy callbackPolicy;
        CallbackSigner? callbackSigner;
        BearerToken? apiToken;
        ClusterTls? tls;
        try
        {
            settings = NodeSettings.Load(builder.Configuration);
            settings.Validate();
            callbackPolicy = settings.Security.CreateCallbackPolicy(OwnEndpointsOf(settings));
            callbackSigner = settings.Security.Callbacks.CreateSigner();
            apiToken = settings.Security.CreateApiToken();
            tls = settings.Security.Tls.Load(Environment.CurrentDirectory);
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"configuration error: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        using var ownedTls = tls;
        builder.WebHost.UseUrls(settings.HttpUrl);
        // An https:// URL takes its certificate from the Kestrel settings (Kestrel:Certificates:Default:Path and KeyPath).
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = Math.Max(Math.Max(settings.MaxBodyBytes, settings.MaxBatchBodyBytes) * 2L, 1024 * 1024);
            // Each connection may be reading a body of up to MaxBodyBytes: the cap bounds that memory, and the sockets.
            k.Limits.MaxConcurrentConnections = settings.MaxConnections;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromMilliseconds(settings.BodyTimeoutMs);
        });
        // Request handling never blocks a thread (every wait is async), so Kestrel may run it on the socket's own
        // thread instead of queueing it to the thread pool: far fewer context switches per request (docs/benchmarks.md).
        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = settings.InlineSocketScheduling;
            // A read buffer per connection at once, rather than a zero-byte read first to learn that data is there: one
            // system call fewer per request, for one pooled buffer per open connection (docs/benchmarks.md).
            o.WaitForDataBeforeAllocatingBuffer = false;
        });

        // Disposed last, when the method returns: that drains the console logger's queue, so the lines of a stop reach the log.
        using var loggers = LoggerFactory.Create(logging =>
        {
            logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        });
        var log = loggers.CreateLogger("RaftTimers.Node");

        var dataDirectory = Path.GetFullPath(settings.DataDirectory, Environment.CurrentDirectory);
        // One clock for the whole node: the system's, or in fault-injection tests one whose wall time a file shifts.
        using var fileClock = settings.FaultInjection.ClockFile is { Length: > 0 } clockFile
            ? new FileClock(Path.GetFullPath(clockFile, dataDirectory))
            : null;
        TimeProvider clock = fileClock ?? TimeProvider.System;
        if (fileClock is not null)
            LogClockInjected(log, Path.GetFullPath(settings.FaultInjection.ClockFile, dataDirectory));
        var raftOptions = new RaftOptions
        {
            NodeId = settings.NodeId,
            RaftEndPoint = settings.ParsedRaftEndPoint,
            RaftListenEndPoint = settings.ParsedRaftListen,
            ApiUrl = settings.HttpUrl.TrimEnd('/'),
            InitialMembers = settings.ParsedMembers,
            Join = settings.Join,
            Bootstrap = settings.Bootstrap,
            DataDirectory = dataDirectory,
            LowerElectionTimeoutMs = settings.Raft.LowerElectionTimeoutMs,
            UpperElectionTimeoutMs = settings.Raft.UpperElectionTimeoutMs,
            RequestTimeoutMs = settings.Raft.RequestTimeoutMs,
            SnapshotEveryEntries = settings.Raft.SnapshotEveryEntries,
            SnapshotEveryBytes = settings.Raft.SnapshotEveryBytes,
            RetainedEvents = settings.Events.RetainedEvents,
            LogLevel = settings.Raft.LogLevel,
            Clock = settings.Clock,
            Tls = tls,
        };
        // The proposer answers a write within the request's deadline: one setting, RaftTimers:RequestTimeoutMs, for both.
        var proposerOptions = settings.Raft.Proposer;
        proposerOptions.CommitTimeoutMs = settings.RequestTimeoutMs;
        var leaderOptions = settings.Retention.Leader;

        // Every instrument lives on this one meter, created before the node so the leader's first fires are counted.
        using var meter = new Meter(NodeMetrics.MeterName);
        var timerMetrics = new TimerMetrics(meter);
        // The log cannot be written without room (docs/storage.md): refuse to start rather than die while opening it.
        if (DiskSpaceGuard.WhyNotStart(dataDirectory, settings.Storage) is { } noRoom)
        {
            await Console.Error.WriteLineAsync($"cannot start node {settings.NodeId}: {noRoom}").ConfigureAwait(false);
            return 3;
        }

        // With no rules at all, callbacks connect the default way; otherwise every new connection is checked.
        var callbackGuard = callbackPolicy.IsUnrestricted ? null : callbackPolicy;
        List<ICallbackTransport> plugins = [];
        try
        {
            foreach (var plugin in settings.TransportPlugins())
            {
                plugins.Add(TransportPlugins.Load(plugin, new CallbackTransportContext(plugin.Name, plugin.Settings, settings.Delivery, callbackGuard, loggers, clock)));
                LogTransportLoaded(log, plugin.Name, plugin.TypeName, Path.GetFullPath(plugin.AssemblyPath));
            }
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"configuration error: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        TimerNode node;
        try
        {
            node = await TimerNode.StartAsync(raftOptions, proposerOptions, leaderOptions, settings.Delivery, callbackGuard, callbackSigner, timerMetrics, loggers, clock,
                e => Environment.FailFast($"node {settings.NodeId} cannot apply its Raft log: {e.Message}", e), CancellationToken.None, plugins).ConfigureAwait(false);
        }
        // UnauthorizedAccessException: a data directory the node's user may not create or write, as a container volume
        // that still belongs to root (docs/deploy.md); one line saying which path, rather than a stack trace.
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync($"cannot start node {settings.NodeId}: {e.Message}").ConfigureAwait(false);
            return 3;
        }

        var outOfRoomExit = false;
        LogStarted(log, settings.NodeId, settings.HttpUrl, settings.RaftEndPoint, dataDirectory);
        LogZoneDatabase(log, Core.Model.TimerSchedule.ZoneDatabaseVersion);
        LogSecurity(log, apiToken is not null, settings.MaxInFlightWrites, callbackPolicy.Describe(), callbackSigner is not null);
        if (tls is not null)
            LogRaftTls(log, tls.Certificate.Subject);
        else if (!RaftAddress.IsLoopback(settings.ParsedRaftEndPoint))
            LogRaftOpen(log, RaftAddress.Format(settings.ParsedRaftEndPoint));
        await using (node.ConfigureAwait(false))
        {
            using var forwardingClient = AdminForwarder.CreateClient(tls);
            // Timer writes reach the leader over one forwarding connection per leader, many per frame (README, "Forwarding").
            // The leader answers every write within its commit timeout (the request timeout); a connection silent for three
            // times that is taken for lost and replaced.
            await using var forwarding = new ForwardingClient(new ForwardingConnector(settings.Security.ApiToken, settings.NodeId, tls).ConnectAsync,
                TimeSpan.FromMilliseconds(settings.RequestTimeoutMs), TimeSpan.FromMilliseconds(3L * settings.RequestTimeoutMs), clock,
                loggers.CreateLogger<ForwardingClient>());
            ForwardingMetrics.AddTo(meter, forwarding.Counters);
            HealthEndpoints.AddChecks(builder.Services, node, TimeSpan.FromMilliseconds(settings.Health.ReadyTimeoutMs));
            var outOfRoom = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var disk = new DiskSpaceGuard(dataDirectory, settings.Storage, clock, reason => outOfRoom.TrySetResult(reason),
                loggers.CreateLogger<DiskSpaceGuard>());
            using var metrics = new NodeMetrics(meter, node, TimeSpan.FromMilliseconds(settings.Metrics.StallAfterMs), clock, disk);
            NodeTelemetry.Add(builder.Services, settings.NodeId, settings.Telemetry);
            ApiDocument.AddServices(builder.Services);
            var app = builder.Build();
            _ = outOfRoom.Task.ContinueWith(_ => app.Lifetime.StopApplication(), TaskScheduler.Default);
            app.UseMiddleware<UnhandledErrors>();
            var requestOrigins = settings.Security.CreateRequestOrigins();
            if (requestOrigins.ChecksHosts)
            {
                app.Use(async (context, next) =>
                {
                    if (requestOrigins.WhyNotHost(context.Request.Host.Value) is { } wrongHost)
                        await ApiError.WriteAsync(context, StatusCodes.Status400BadRequest, wrongHost).ConfigureAwait(false);
                    else
                        await next(context).ConfigureAwait(false);
                });
            }

            var writeLimit = new InFlightLimit(settings.MaxInFlightWrites);
            var timers = new TimerService(node, forwarding, settings.Service, clock, disk);
            var forwarder = new AdminForwarder(timers, settings.NodeId, forwardingClient, TimeSpan.FromMilliseconds(settings.RequestTimeoutMs));
            var timerParser = new TimerRequestParser(node.Transports, callbackPolicy, settings.Security.Callbacks.AllowCredentialHeaders, clock);
            new TimerEndpoints(timers, timerParser, timerMetrics, settings, apiToken, writeLimit, requestOrigins).Map(app);
            new BatchEndpoints(timers, timerParser, timerMetrics, settings, apiToken, writeLimit, forwarder, requestOrigins).Map(app);
            new ForwardingEndpoint(new ForwardedWrites(node, timers, writeLimit, timerMetrics), apiToken, app.Lifetime,
                loggers.CreateLogger<ForwardingEndpoint>()).Map(app);
            new ClusterEndpoints(node).Map(app);
            new EventEndpoints(node.Store.Journal, apiToken, app.Lifetime).Map(app);
            var admin = new AdminAuthorization(settings.Security.CreateAdminToken());
            var handOff = node.CreateHandOff(TimeSpan.FromMilliseconds(settings.RequestTimeoutMs));
            new MembershipEndpoints(node, forwarder, admin, new PeerClient(forwardingClient, loggers.CreateLogger<PeerClient>()), handOff, settings,
                loggers.CreateLogger<MembershipEndpoints>()).Map(app);
            new LeadershipEndpoints(node, forwarder, admin, handOff, settings, loggers.CreateLogger<LeadershipEndpoints>()).Map(app);
            HealthEndpoints.Map(app);

            // The dashboard: figures counted from every applied entry (the same on every node), its embedded page and JSON.
            // Members are asked through a client of their own, with few connections: an open endpoint must not take the
            // forwarding client's connections from writes on their way to the leader.
            var activity = new ActivityTracker(clock.GetUtcNow().ToUnixTimeMilliseconds());
            node.Store.Observe(activity, e => LogActivityFaulted(log, e));
            using var membersClient = ClusterOverview.CreateClient(tls);
            new DashboardEndpoints(node, activity,
                new ClusterOverview(node, membersClient, TimeSpan.FromSeconds(1), clock, loggers.CreateLogger<ClusterOverview>()),
                apiToken, DashboardAssets.Load(), clock).Map(app);

            using var samplerClient = ClockSampler.CreateClient(tls);
            var sampler = Task.Run(() => new ClockSampler(node, samplerClient, loggers.CreateLogger<ClockSampler>()).RunAsync(app.Lifetime.ApplicationStopping));

            app.MapPrometheusScrapingEndpoint("/metrics");
            if (settings.Diagnostics.MemoryEndpoint)
                DiagnosticEndpoints.Map(app, node);
            ApiDocument.Map(app);
            // "{**path}" rather than the default "{*path:nonfile}": paths that look like files (/openapi/v2.json,
            // /dashboard/x.js with the wrong method) get the same 404 with a reason as every other unknown path.
            app.MapFallback("{**path}", static context => ApiError.WriteAsync(context, StatusCodes.Status404NotFound, $"no such endpoint: {context.Request.Method} {context.Request.Path}"))
                .ExcludeFromDescription();

            try
            {
                await app.RunAsync().ConfigureAwait(false);
                await sampler.ConfigureAwait(false);
                // Bounded by two election timeouts: when every member stops at once, nobody is left to elect, and waiting
                // longer would only delay the stop.
                await HandOffOnStopAsync(node, node.CreateHandOff(TimeSpan.FromMilliseconds(2L * settings.Raft.UpperElectionTimeoutMs)), log)
                    .ConfigureAwait(false);
                outOfRoomExit = outOfRoom.Task.IsCompleted;
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"cannot serve HTTP on {settings.HttpUrl}: {e.Message}").ConfigureAwait(false);
                return 4;
            }
        }

        // Stopped for want of room: a distinct exit code, so a supervisor does not restart it into the same wall.
        return outOfRoomExit ? 5 : 0;
    }

    /// <summary>
    /// A leader that stops (SIGTERM, a full disk) hands its leadership to another member first, once the API has
    /// answered what it took: the others elect a successor at once instead of after an election timeout of silence, and
    /// this node, in standby meanwhile, cannot win that election (LeadershipHandOff). A follower has nothing to hand.
    /// </summary>
    private static async Task HandOffOnStopAsync(TimerNode node, LeadershipHandOff handOff, ILogger log)
    {
        if (node.View.MemberCount < 2)
            return;
        try
        {
            var (outcome, next) = await handOff.ResignAsync(CancellationToken.None, stayInStandby: true).ConfigureAwait(false);
            if (outcome == HandOff.Elected)
                LogHandedOff(log, next?.NodeId ?? "?", RaftAddress.Format(next?.Raft));
            else if (outcome == HandOff.NoneElected)
                LogHandOffFailed(log);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The stop goes on: the others elect a leader once this node is gone.
            LogHandOffError(log, e);
        }
    }

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Stopping: handed leadership to {NextLeader} ({NextLeaderRaft})")]
    private static partial void LogHandedOff(ILogger logger, string nextLeader, string nextLeaderRaft);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Stopping: stepped down as leader, but no other member was elected in time; the others elect one once this node is gone")]
    private static partial void LogHandOffFailed(ILogger logger);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Stopping: the leadership hand-off failed; the others elect a leader once this node is gone")]
    private static partial void LogHandOffError(ILogger logger, Exception exception);

    /// <summary>Schedules compute their occurrences with this database; every node of a cluster should have the same (docs/api.md, "Schedules").</summary>
    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Schedules read time zones with {ZoneDatabase}")]
    private static partial void LogZoneDatabase(ILogger logger, string zoneDatabase);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Callback transport {Transport} loaded: {Type} from {Assembly}")]
    private static partial void LogTransportLoaded(ILogger logger, string transport, string type, string assembly);

    /// <summary>Once, when the dashboard's counter threw on the apply loop and the store stopped calling it.</summary>
    [LoggerMessage(EventId = 5302, Level = LogLevel.Error, Message = "Dashboard: activity counting failed and is stopped on this node; /dashboard/api/activity answers 503 until restart")]
    private static partial void LogActivityFaulted(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "FAULT INJECTION: this node's wall clock is shifted by the file {ClockFile} (RaftTimers:FaultInjection:ClockFile); never in production")]
    private static partial void LogClockInjected(ILogger logger, string clockFile);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Raft port speaks mutual TLS only, as {Subject}, with members the cluster CA signed")]
    private static partial void LogRaftTls(ILogger logger, string subject);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Raft port {RaftEndPoint} is plain TCP on a network address: any process that reaches it can take part in the consensus; set RaftTimers:Security:Tls (docs/security.md)")]
    private static partial void LogRaftOpen(ILogger logger, string raftEndPoint);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Node {NodeId} serving HTTP on {HttpUrl}, Raft on {RaftEndPoint}, data in {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, string nodeId, string httpUrl, string raftEndPoint, string dataDirectory);

    /// <summary>Says whether the timer API needs a token, never the token itself.</summary>
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Timer API token required: {TokenRequired}; at most {MaxInFlightWrites} timer writes at once; callbacks: {CallbackPolicy}; callbacks signed: {CallbacksSigned}")]
    private static partial void LogSecurity(ILogger logger, bool tokenRequired, int maxInFlightWrites, string callbackPolicy, bool callbacksSigned);

    /// <summary>This node's API and Raft ports, and the addresses of its machine, which callbacks must never combine.</summary>
    private static OwnEndpoints OwnEndpointsOf(NodeSettings settings)
    {
        var ports = new List<int> { settings.ParsedRaftListen.Port, RaftAddress.PortOf(settings.ParsedRaftEndPoint) };
        if (Uri.TryCreate(settings.HttpUrl.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var api))
            ports.Add(api.Port);
        IEnumerable<IPAddress> addresses;
        try
        {
            addresses = [.. System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)];
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            addresses = [];
        }

        return new OwnEndpoints(ports, addresses);
    }
}
