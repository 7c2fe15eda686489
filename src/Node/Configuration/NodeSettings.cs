using System.Net;
using RaftTimers.Cluster.Clock;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Cluster.Events;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Membership;
using RaftTimers.Cluster.Propose;
using RaftTimers.Cluster.Security;
using RaftTimers.Cluster.Service;
using RaftTimers.Cluster.Storage;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Configuration;

/// <summary>
/// The node's settings, from the <c>RaftTimers</c> section of appsettings.json, environment variables
/// (<c>RaftTimers__NodeId</c>) and the command line (<c>--node-id</c>, or <c>--RaftTimers:NodeId=</c>).
/// </summary>
public sealed class NodeSettings
{
    public const string Section = "RaftTimers";

    /// <summary>Short command-line switches for the settings people type most.</summary>
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--node-id"] = "RaftTimers:NodeId",
        ["--http"] = "RaftTimers:HttpUrl",
        ["--raft"] = "RaftTimers:RaftEndPoint",
        ["--members"] = "RaftTimers:Members",
        ["--data"] = "RaftTimers:DataDirectory",
        ["--join"] = "RaftTimers:Join",
        ["--bootstrap"] = "RaftTimers:Bootstrap",
    };

    public string NodeId { get; set; } = "n1";

    /// <summary>
    /// The HTTP API's listen URL, also published to the other nodes for forwarding. A host name other than localhost
    /// (<c>http://timers-0.timers:8080</c>) listens on every interface and is published as written, so the other
    /// members and clients reach this node by that name.
    /// </summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// This node's Raft address, <c>IP:port</c> or <c>name:port</c> (RaftAddress): where the other members reach it
    /// and its identity among them. A name is resolved by the others on every connect.
    /// </summary>
    public string RaftEndPoint { get; set; } = "127.0.0.1:9080";

    /// <summary>
    /// Where the Raft transport listens, <c>IP:port</c>. Empty: the address of <see cref="RaftEndPoint"/> when that is an
    /// IP, every IPv4 interface on its port when it is a name. Its port may differ from the published one behind a port
    /// mapping.
    /// </summary>
    public string RaftListen { get; set; } = "";

    /// <summary>
    /// Comma-separated <c>host:port</c> list of the initial members (this node included), IPs or names spelled as each
    /// member spells its own <see cref="RaftEndPoint"/>; empty means a single-node cluster.
    /// </summary>
    public string Members { get; set; } = "";

    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// Join mode (<c>--join true</c>): start with no members, wait to be added by <c>POST /cluster/members</c> on the
    /// cluster, catch up, then vote. Ignored once the node has joined: a restart keeps the membership from its log.
    /// </summary>
    public bool Join { get; set; }

    /// <summary>
    /// <c>--bootstrap true</c>: create a new cluster of <see cref="Members"/>. Required, when there is more than one member,
    /// on the first start with an empty data directory (see RaftOptions.Bootstrap); ignored afterwards.
    /// </summary>
    public bool Bootstrap { get; set; }

    /// <summary>Largest accepted request body; larger gets 413.</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Largest accepted body of a batch (<c>POST /timer/batch</c>); larger gets 413. Each timer in it is held to <see cref="MaxBodyBytes"/>.</summary>
    public int MaxBatchBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The most creates and cancels one batch may hold; each batch is one log entry.</summary>
    public int MaxBatchItems { get; set; } = 1000;

    /// <summary>How long a write's body may take to arrive, whole; later gets 408. The write takes no slot of the in-flight limit until it has.</summary>
    public int BodyTimeoutMs { get; set; } = 10_000;

    /// <summary>Open HTTP connections this node keeps at once (Kestrel's limit); more wait to be accepted. Bounds the bodies being read at once.</summary>
    public int MaxConnections { get; set; } = 4096;

    /// <summary>The timer service's limits and deadline: <see cref="MaxPendingTimers"/>, <see cref="MaxPendingBytes"/> and <see cref="RequestTimeoutMs"/> are its fields, and its defaults theirs.</summary>
    internal ServiceOptions Service { get; } = new();

    /// <summary>Pending timers the cluster accepts before creates get 507.</summary>
    public int MaxPendingTimers { get => Service.MaxPendingTimers; set => Service.MaxPendingTimers = value; }

    /// <summary>
    /// Bytes of pending timers (id, callback URI and data of each) the cluster accepts before creates and replaces that
    /// would add more get 507: what bounds the memory of pending timers, whose data may be up to the body limit each.
    /// </summary>
    public long MaxPendingBytes { get => Service.MaxPendingBytes; set => Service.MaxPendingBytes = value; }

    /// <summary>
    /// Timer writes (create, replace, cancel) this node handles at once before more get 429 with Retry-After.
    /// Far above the benchmark's 256 concurrent clients: a guard against floods, not a throttle.
    /// </summary>
    public int MaxInFlightWrites { get; set; } = 4096;

    /// <summary>How long a request may wait for a leader and a commit before it gets 503 (the proposer's commit timeout too).</summary>
    public int RequestTimeoutMs { get => Service.RequestTimeoutMs; set => Service.RequestTimeoutMs = value; }

    /// <summary>Timers one list page may look at; see <see cref="ServiceOptions.ListScanBudget"/>.</summary>
    public int ListScanBudget { get => Service.ListScanBudget; set => Service.ListScanBudget = value; }

    /// <summary>Bytes one list page may carry; see <see cref="ServiceOptions.ListMaxBytes"/>.</summary>
    public long ListMaxBytes { get => Service.ListMaxBytes; set => Service.ListMaxBytes = value; }

    /// <summary>
    /// Runs HTTP request handling on Kestrel's socket threads rather than queueing it to the thread pool
    /// (Kestrel's UnsafePreferInlineScheduling). Safe here because no request handler blocks a thread.
    /// </summary>
    public bool InlineSocketScheduling { get; set; } = true;

    public RaftSection Raft { get; set; } = new();

    public DeliveryOptions Delivery { get; set; } = new();

    /// <summary>How the members compare their clocks (docs/clocks.md).</summary>
    public ClockOptions Clock { get; set; } = new();

    /// <summary>How much room the data directory keeps (docs/storage.md).</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>Faults a test injects into this node; never set in production.</summary>
    public FaultInjectionSection FaultInjection { get; set; } = new();

    public RetentionSection Retention { get; set; } = new();

    public DiagnosticsSection Diagnostics { get; set; } = new();

    public HealthSection Health { get; set; } = new();

    public SecuritySection Security { get; set; } = new();

    public AdminSection Admin { get; set; } = new();

    public MetricsSection Metrics { get; set; } = new();

    public EventsSection Events { get; set; } = new();

    public TelemetrySection Telemetry { get; set; } = new();

    /// <summary>OpenTelemetry export beside <c>/metrics</c> (README, "Metrics"): off until an OTLP endpoint is given.</summary>
    public sealed class TelemetrySection
    {
        /// <summary>The OTLP collector, such as <c>http://otel-collector:4317</c>; empty exports nothing over OTLP.</summary>
        public string OtlpEndpoint { get; set; } = "";

        /// <summary><c>grpc</c> (port 4317 by convention) or <c>http/protobuf</c> (4318; the signal's path is added).</summary>
        public string OtlpProtocol { get; set; } = "grpc";

        /// <summary>How often metrics are pushed to the collector.</summary>
        public int MetricsIntervalMs { get; set; } = 60_000;
    }

    public sealed class EventsSection
    {
        /// <summary>
        /// Lifecycle events this node keeps for <c>GET /events</c>: a reader further behind gets 410 and starts again from
        /// the oldest kept. About 150 bytes each on every node.
        /// </summary>
        public int RetainedEvents { get; set; } = EventJournal.DefaultCapacity;
    }

    /// <summary>
    /// Plug-in callback transports by name (docs/transports.md): <c>RaftTimers:Transports:{name}:Assembly</c>, <c>:Type</c>
    /// and the transport's own <c>:Settings:*</c>. <c>http</c> and <c>tcp</c> are built in and need no entry.
    /// </summary>
    public Dictionary<string, TransportSection> Transports { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The configured plug-ins, by name.</summary>
    public IReadOnlyList<TransportPlugin> TransportPlugins()
        => [.. Transports.OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new TransportPlugin(t.Key, t.Value.Assembly, t.Value.Type, t.Value.Settings, $"{Section}:Transports:{t.Key}"))];

    public sealed class TransportSection
    {
        /// <summary>The plug-in's .dll; a relative path is taken from the node's working directory.</summary>
        public string Assembly { get; set; } = "";

        /// <summary>The full name of its class implementing <see cref="ICallbackTransport"/>.</summary>
        public string Type { get; set; } = "";

        /// <summary>Handed to the transport as they are.</summary>
        public Dictionary<string, string> Settings { get; set; } = new(StringComparer.Ordinal);
    }

    public sealed class RaftSection
    {
        public int LowerElectionTimeoutMs { get; set; } = RaftOptions.Defaults.LowerElectionTimeoutMs;
        public int UpperElectionTimeoutMs { get; set; } = RaftOptions.Defaults.UpperElectionTimeoutMs;

        /// <summary>How long one Raft request may take, snapshot installs included (see RaftOptions).</summary>
        public int RequestTimeoutMs { get; set; } = RaftOptions.Defaults.RequestTimeoutMs;
        public long SnapshotEveryEntries { get; set; } = RaftOptions.Defaults.SnapshotEveryEntries;
        public long SnapshotEveryBytes { get; set; } = RaftOptions.Defaults.SnapshotEveryBytes;

        /// <inheritdoc cref="RaftOptions.LogLevel"/>
        public int LogLevel { get; set; } = LogLevels.Current;

        /// <summary>The proposer's options: the two settings below are its fields, and its defaults theirs.</summary>
        internal ProposerOptions Proposer { get; } = new();

        /// <inheritdoc cref="ProposerOptions.MaxCommandsPerEntry"/>
        public int MaxCommandsPerEntry { get => Proposer.MaxCommandsPerEntry; set => Proposer.MaxCommandsPerEntry = value; }

        /// <inheritdoc cref="ProposerOptions.MaxEntriesInFlight"/>
        public int MaxEntriesInFlight { get => Proposer.MaxEntriesInFlight; set => Proposer.MaxEntriesInFlight = value; }
    }

    public sealed class RetentionSection
    {
        /// <summary>The leader's options: the settings below are its fields (under the names this section has always used), and its defaults theirs.</summary>
        internal LeaderOptions Leader { get; } = new();

        /// <inheritdoc cref="LeaderOptions.RetentionMs"/>
        public long FinishedTimerRetentionMs { get => Leader.RetentionMs; set => Leader.RetentionMs = value; }

        /// <inheritdoc cref="LeaderOptions.FailedRetentionMs"/>
        public long FailedTimerRetentionMs { get => Leader.FailedRetentionMs; set => Leader.FailedRetentionMs = value; }

        /// <inheritdoc cref="LeaderOptions.PurgeIntervalMs"/>
        public int PurgeIntervalMs { get => Leader.PurgeIntervalMs; set => Leader.PurgeIntervalMs = value; }

        /// <inheritdoc cref="LeaderOptions.MaxFinishedTimers"/>
        public long MaxFinishedTimers { get => Leader.MaxFinishedTimers; set => Leader.MaxFinishedTimers = value; }

        /// <inheritdoc cref="LeaderOptions.MaxFinishedBytes"/>
        public long MaxFinishedBytes { get => Leader.MaxFinishedBytes; set => Leader.MaxFinishedBytes = value; }

        /// <inheritdoc cref="LeaderOptions.PurgeSliceTimers"/>
        public int PurgeSliceTimers { get => Leader.PurgeSliceTimers; set => Leader.PurgeSliceTimers = value; }
    }

    public sealed class DiagnosticsSection
    {
        /// <summary>
        /// Serves <c>GET /debug/memory</c>, which forces a full garbage collection to measure the managed heap.
        /// Off by default: a collection of a large heap pauses the node. The benchmark tool turns it on.
        /// </summary>
        public bool MemoryEndpoint { get; set; }
    }

    public sealed class HealthSection
    {
        /// <summary>How long <c>/health/ready</c> waits to confirm with the leader that this node has applied the latest commit.</summary>
        public int ReadyTimeoutMs { get; set; } = 1_000;
    }

    public sealed class SecuritySection
    {
        public const string AdminTokenSetting = "RaftTimers:Security:AdminToken";

        /// <summary>
        /// The bearer token the endpoints that change the cluster demand (membership, leadership transfer). Empty means
        /// those endpoints refuse every request. Give every node the same token: a follower forwards the caller's header.
        /// </summary>
        public string AdminToken { get; set; } = "";

        /// <summary>The admin token; null when none is configured (then every cluster change is refused). Throws when the value cannot be a token.</summary>
        public BearerToken? CreateAdminToken() => BearerToken.FromSetting(AdminToken, AdminTokenSetting);

        public const string ApiTokenSetting = "RaftTimers:Security:ApiToken";

        /// <summary>
        /// When set, every <c>/timer</c> request needs <c>Authorization: Bearer</c> with this token, else 401.
        /// Empty (the default) leaves the timer API open, as Skyring's is. Use the same token on every node.
        /// </summary>
        public string ApiToken { get; set; } = "";

        /// <summary>Comma-separated host names (host or host:port) requests may be sent to; empty: any. See <see cref="RequestOrigins"/>.</summary>
        public string AllowedHosts { get; set; } = "";

        /// <summary>Comma-separated origins (https://ops.example.com) a browser's timer write may come from; empty: any. See <see cref="RequestOrigins"/>.</summary>
        public string AllowedOrigins { get; set; } = "";

        public RequestOrigins CreateRequestOrigins() => new(AllowedHosts, AllowedOrigins);

        public CallbacksSection Callbacks { get; set; } = new();

        /// <summary>The members' mutual TLS on the Raft port (docs/security.md).</summary>
        public TlsSection Tls { get; set; } = new();

        /// <summary>The timer API's token; null when none is configured. Throws when the configured value cannot be a token.</summary>
        public BearerToken? CreateApiToken() => BearerToken.FromSetting(ApiToken, ApiTokenSetting);

        /// <summary>The callback policy; with <paramref name="own"/>, callbacks to this node's own ports are refused too.</summary>
        public CallbackPolicy CreateCallbackPolicy(OwnEndpoints? own = null)
            => CallbackPolicy.FromSettings(Callbacks.Allow, Callbacks.Deny, Callbacks.DenyDefaults, Callbacks.Permit, own);
    }

    /// <summary>
    /// PEM files of this node's certificate and key and of the cluster's CA. All three set: the Raft port speaks only
    /// TLS with members whose certificates the CA signed, and peers' HTTPS APIs are trusted when they are. None set:
    /// plain TCP. Anything between is a configuration error.
    /// </summary>
    public sealed class TlsSection
    {
        public const string Setting = "RaftTimers:Security:Tls";

        public string CertificatePath { get; set; } = "";

        public string KeyPath { get; set; } = "";

        public string CaPath { get; set; } = "";

        public bool IsOn => CertificatePath.Length > 0 || KeyPath.Length > 0 || CaPath.Length > 0;

        /// <summary>The loaded TLS, or null when off; throws naming the setting when it is half set or its files are wrong.</summary>
        public ClusterTls? Load(string baseDirectory)
        {
            if (!IsOn)
                return null;
            if (CertificatePath.Length == 0 || KeyPath.Length == 0 || CaPath.Length == 0)
                throw new InvalidOperationException($"{Setting}: set CertificatePath, KeyPath and CaPath together, or none of them");
            return ClusterTls.Load(Path.GetFullPath(CertificatePath, baseDirectory), Path.GetFullPath(KeyPath, baseDirectory),
                Path.GetFullPath(CaPath, baseDirectory));
        }
    }

    /// <summary>Which callback targets timers may have; the rules are <see cref="CallbackPolicy"/>'s.</summary>
    public sealed class CallbacksSection
    {
        /// <summary>Comma-separated host names (<c>*.example.com</c> for subdomains), IPs and CIDRs; when not empty, a target must match one.</summary>
        public string Allow { get; set; } = "";

        /// <summary>Comma-separated entries as for <see cref="Allow"/>; a target matching one is refused, whatever Allow says.</summary>
        public string Deny { get; set; } = "";

        /// <summary>Adds <see cref="CallbackDefaults.Deny"/> (this machine, private networks, link-local, cloud metadata) to the Deny list.</summary>
        public bool DenyDefaults { get; set; } = true;

        /// <summary>
        /// Comma-separated entries as for <see cref="Allow"/>: targets they name are not held to the default deny entries
        /// (e.g. <c>127.0.0.1</c> for a receiver on the node's machine, <c>10.0.0.0/8</c> for the operator's network).
        /// The operator's own Deny entries still apply.
        /// </summary>
        public string Permit { get; set; } = "";

        /// <summary>
        /// Lets timers set <c>Authorization</c>, <c>Proxy-Authorization</c> and <c>Cookie</c> in <c>callback.headers</c>.
        /// Off by default: a timer's headers are stored in the log and shown to whoever may read the timer.
        /// </summary>
        public bool AllowCredentialHeaders { get; set; }

        public const string SigningSecretsSetting = "RaftTimers:Security:Callbacks:SigningSecrets";

        /// <summary>
        /// Comma-separated Standard Webhooks secrets (<c>whsec_</c> and 24 to 64 random bytes in base64); when set, every
        /// callback is signed with each of them (at most two: the current one and the next during a rotation).
        /// Empty (the default) sends callbacks unsigned. Use the same secrets on every node: any of them may lead.
        /// </summary>
        public string SigningSecrets { get; set; } = "";

        /// <summary>The signer; null when no secret is configured. Throws naming the setting when a secret is malformed.</summary>
        public CallbackSigner? CreateSigner() => CallbackSigner.FromSetting(SigningSecrets, SigningSecretsSetting);
    }

    public sealed class AdminSection
    {
        /// <summary>How long adding a member may take, its catch-up (snapshot and log) included.</summary>
        public int MembershipTimeoutMs { get; set; } = 300_000;

        /// <summary>How many times a leadership transfer steps down again when the leader wins the election itself, before it gives up with 409.</summary>
        public int TransferAttempts { get; set; } = 10;
    }

    public sealed class FaultInjectionSection
    {
        /// <summary>
        /// A file (a relative path is taken from the data directory) whose first line, <c>offsetMs [driftMsPerSecond]</c>, sets this node's wall clock ahead of (or behind) the
        /// system's; re-read while the node runs, so a test can step or skew one node's clock (docs/clocks.md).
        /// </summary>
        public string ClockFile { get; set; } = "";
    }

    public sealed class MetricsSection
    {
        /// <summary>
        /// How long work may wait (log entries not applied, proposals not answered) without the applied index moving
        /// before <c>rafttimers_raft_progress_stalled</c> reads 1. Well above a leader election (about a second), so a
        /// failover alone does not raise it; a snapshot install that takes longer does, since nothing is applied meanwhile.
        /// </summary>
        public int StallAfterMs { get; set; } = 5_000;
    }

    public static NodeSettings Load(IConfiguration configuration)
    {
        var settings = new NodeSettings();
        configuration.GetSection(Section).Bind(settings);
        return settings;
    }

    /// <summary>This node's Raft address: an <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> for a name.</summary>
    public EndPoint ParsedRaftEndPoint => ParseEndPoint(RaftEndPoint, "RaftTimers:RaftEndPoint");

    /// <summary>Where the Raft transport listens (<see cref="RaftListen"/>).</summary>
    public IPEndPoint ParsedRaftListen
    {
        get
        {
            if (RaftListen.Length == 0)
                return RaftAddress.ListenEndPoint(ParsedRaftEndPoint);
            if (!IPEndPoint.TryParse(RaftListen, out var listen) || listen.Port == 0)
                throw new InvalidOperationException($"RaftTimers:RaftListen: '{RaftListen}' is not an IP:port address");
            return listen;
        }
    }

    /// <summary>The initial members; this node is always among them.</summary>
    public IReadOnlyList<EndPoint> ParsedMembers
    {
        get
        {
            var self = ParsedRaftEndPoint;
            var members = Members.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(m => ParseEndPoint(m, "RaftTimers:Members"))
                .ToList();
            if (!members.Contains(self))
                members.Add(self);
            return members;
        }
    }

    /// <summary>Checks every setting and names the bad one, so a misconfigured node fails at start with a clear message.</summary>
    public void Validate()
    {
        if (!TimerLimits.IsValidId(NodeId))
            throw new InvalidOperationException($"RaftTimers:NodeId '{NodeId}' must be 1-128 characters of [A-Za-z0-9._~-]");
        if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out var http) || http.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"RaftTimers:HttpUrl '{HttpUrl}' must be an absolute http(s) URL");
        _ = ParsedMembers;
        _ = ParsedRaftListen;
        // The log codec refuses fields over 16 MiB; a body limit above 8 MiB could let in a timer whose entry no node could read.
        if (MaxBodyBytes is < 1024 or > 8 * 1024 * 1024)
            throw new InvalidOperationException($"RaftTimers:MaxBodyBytes {MaxBodyBytes} must be between 1024 and 8388608");
        if (MaxBatchBodyBytes is < 1024 or > 64 * 1024 * 1024)
            throw new InvalidOperationException($"RaftTimers:MaxBatchBodyBytes {MaxBatchBodyBytes} must be between 1024 and 67108864");
        if (MaxBatchItems is < 1 or > 10_000)
            throw new InvalidOperationException($"RaftTimers:MaxBatchItems {MaxBatchItems} must be between 1 and 10000");
        if (BodyTimeoutMs is < 100 or > 600_000)
            throw new InvalidOperationException($"RaftTimers:BodyTimeoutMs {BodyTimeoutMs} must be between 100 and 600000");
        if (MaxConnections is < 16 or > 1_000_000)
            throw new InvalidOperationException($"RaftTimers:MaxConnections {MaxConnections} must be between 16 and 1000000");
        if (MaxPendingTimers < 1)
            throw new InvalidOperationException($"RaftTimers:MaxPendingTimers {MaxPendingTimers} must be at least 1");
        if (MaxInFlightWrites is < 1 or > 1_000_000)
            throw new InvalidOperationException($"RaftTimers:MaxInFlightWrites {MaxInFlightWrites} must be between 1 and 1000000");
        if (RequestTimeoutMs < 100)
            throw new InvalidOperationException($"RaftTimers:RequestTimeoutMs {RequestTimeoutMs} must be at least 100");
        if (Raft.MaxCommandsPerEntry is < 1 or > 4096)
            throw new InvalidOperationException($"RaftTimers:Raft:MaxCommandsPerEntry {Raft.MaxCommandsPerEntry} must be between 1 and 4096");
        if (Raft.MaxEntriesInFlight is < 1 or > 64)
            throw new InvalidOperationException($"RaftTimers:Raft:MaxEntriesInFlight {Raft.MaxEntriesInFlight} must be between 1 and 64");
        if (Raft.SnapshotEveryBytes < 1024)
            throw new InvalidOperationException($"RaftTimers:Raft:SnapshotEveryBytes {Raft.SnapshotEveryBytes} must be at least 1024");
        if (Raft.LogLevel is < LogLevels.Base or > LogLevels.Current)
            throw new InvalidOperationException($"RaftTimers:Raft:LogLevel {Raft.LogLevel} must be between {LogLevels.Base} and {LogLevels.Current}, the levels this build reads");
        if (Raft.SnapshotEveryEntries < 1)
            throw new InvalidOperationException($"RaftTimers:Raft:SnapshotEveryEntries {Raft.SnapshotEveryEntries} must be at least 1");
        if (Retention.FinishedTimerRetentionMs < 0 || Retention.FailedTimerRetentionMs < 0 || Retention.PurgeIntervalMs < 1)
            throw new InvalidOperationException("RaftTimers:Retention: FinishedTimerRetentionMs and FailedTimerRetentionMs must be >= 0 and PurgeIntervalMs >= 1");
        if (Retention.MaxFinishedTimers < 0 || Retention.MaxFinishedBytes < 0 || Retention.PurgeSliceTimers < 1)
            throw new InvalidOperationException("RaftTimers:Retention: MaxFinishedTimers and MaxFinishedBytes must be >= 0 and PurgeSliceTimers >= 1");
        if (ListScanBudget is < 100 or > 10_000_000)
            throw new InvalidOperationException($"RaftTimers:ListScanBudget {ListScanBudget} must be between 100 and 10000000");
        if (ListMaxBytes is < 1024 or > 1024L * 1024 * 1024)
            throw new InvalidOperationException($"RaftTimers:ListMaxBytes {ListMaxBytes} must be between 1024 and 1073741824");
        if (MaxPendingBytes < 1)
            throw new InvalidOperationException($"RaftTimers:MaxPendingBytes {MaxPendingBytes} must be at least 1");
        if (Raft.LowerElectionTimeoutMs < 10 || Raft.UpperElectionTimeoutMs <= Raft.LowerElectionTimeoutMs)
            throw new InvalidOperationException("RaftTimers:Raft election timeouts must satisfy 10 <= Lower < Upper");
        if (Health.ReadyTimeoutMs < 10)
            throw new InvalidOperationException($"RaftTimers:Health:ReadyTimeoutMs {Health.ReadyTimeoutMs} must be at least 10");
        if (Raft.RequestTimeoutMs < 10)
            throw new InvalidOperationException($"RaftTimers:Raft:RequestTimeoutMs {Raft.RequestTimeoutMs} must be at least 10");
        if (Join && Bootstrap)
            throw new InvalidOperationException("RaftTimers:Join and RaftTimers:Bootstrap exclude each other: a node either creates a cluster or joins one");
        if (Metrics.StallAfterMs < 100)
            throw new InvalidOperationException($"RaftTimers:Metrics:StallAfterMs {Metrics.StallAfterMs} must be at least 100");
        if (Admin.MembershipTimeoutMs < 1_000)
            throw new InvalidOperationException($"RaftTimers:Admin:MembershipTimeoutMs {Admin.MembershipTimeoutMs} must be at least 1000");
        if (Telemetry.OtlpEndpoint.Length > 0
            && (!Uri.TryCreate(Telemetry.OtlpEndpoint, UriKind.Absolute, out var otlp) || otlp.Scheme is not ("http" or "https")))
            throw new InvalidOperationException($"RaftTimers:Telemetry:OtlpEndpoint '{Telemetry.OtlpEndpoint}' must be an absolute http or https URI");
        if (Telemetry.OtlpProtocol is not ("grpc" or "http/protobuf"))
            throw new InvalidOperationException($"RaftTimers:Telemetry:OtlpProtocol '{Telemetry.OtlpProtocol}' must be grpc or http/protobuf");
        if (Telemetry.MetricsIntervalMs < 100)
            throw new InvalidOperationException($"RaftTimers:Telemetry:MetricsIntervalMs {Telemetry.MetricsIntervalMs} must be at least 100");
        if (Events.RetainedEvents is < 1 or > 100_000_000)
            throw new InvalidOperationException($"RaftTimers:Events:RetainedEvents {Events.RetainedEvents} must be between 1 and 100000000");
        if (Admin.TransferAttempts is < 1 or > 100)
            throw new InvalidOperationException($"RaftTimers:Admin:TransferAttempts {Admin.TransferAttempts} must be between 1 and 100");
        _ = Security.CreateApiToken();
        _ = Security.CreateAdminToken();
        _ = Security.CreateCallbackPolicy();
        _ = Security.Callbacks.CreateSigner();
        _ = Security.CreateRequestOrigins();
        ValidateLibraryOptions("Delivery", Delivery.Validate);
        ValidateLibraryOptions("Clock", Clock.Validate);
        ValidateLibraryOptions("Storage", Storage.Validate);
    }

    /// <summary>Options types report like the library's (ArgumentOutOfRange); name the setting as the others do.</summary>
    private static void ValidateLibraryOptions(string section, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidOperationException($"RaftTimers:{section}:{e.ParamName} {e.ActualValue} {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private static EndPoint ParseEndPoint(string text, string setting)
        => RaftAddress.TryParse(text, out var endpoint)
            ? endpoint
            : throw new InvalidOperationException($"{setting}: '{text}' is not a Raft address: IP:port (IPv6 in brackets) or name:port");
}
