using System.Globalization;
using RaftTimers.Node.Configuration;

namespace RaftTimers.Node.Health;

/// <summary>
/// <c>RaftTimers.Node.dll probe live|ready [--url URL] [--timeout-ms N]</c>: asks a node's <c>/health/live</c> or
/// <c>/health/ready</c> once and exits 0 when it answers 200, 1 otherwise (another status, no connection, no answer in
/// time, wrong arguments). It exists for exec probes and compose healthchecks: an OCI image config cannot carry a
/// HEALTHCHECK, and the aspnet base image has no curl or wget. Without <c>--url</c> it asks the node the local
/// configuration describes (<c>RaftTimers:HttpUrl</c> from appsettings.json and the environment, as the node reads it),
/// a wildcard listen address taken as loopback.
/// </summary>
public static class SelfProbe
{
    public const string Command = "probe";

    /// <summary>Above the readiness check's own wait for the leader (RaftTimers:Health:ReadyTimeoutMs, 1 s by default).</summary>
    public const int DefaultTimeoutMs = 3_000;

    private const string Usage = "usage: RaftTimers.Node.dll probe live|ready [--url http://127.0.0.1:8080] [--timeout-ms 3000]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (WhyNotParse(args, out var check, out var url, out var timeoutMs) is { } wrong)
        {
            await error.WriteLineAsync($"probe: {wrong}\n{Usage}").ConfigureAwait(false);
            return 1;
        }

        Uri target;
        try
        {
            target = HealthUrl(url ?? LocalHttpUrl(), check);
            if (target.Scheme is not ("http" or "https"))
                throw new UriFormatException($"'{target}' is not an http or https URL");
        }
        catch (Exception e) when (e is UriFormatException or InvalidOperationException)
        {
            // A bad --url, or settings that do not bind: the probe fails with the reason, never with a crash.
            await error.WriteLineAsync($"probe: {e.Message}\n{Usage}").ConfigureAwait(false);
            return 1;
        }

        // No proxy: the probe asks one node directly, and a proxy from the environment must not answer for it.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(timeoutMs));
        try
        {
            using var response = await client.GetAsync(target, deadline.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            var line = $"{target}: {(int)response.StatusCode} {Shorten(body)}";
            if ((int)response.StatusCode == StatusCodes.Status200OK)
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
                return 0;
            }

            await error.WriteLineAsync(line).ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            await error.WriteLineAsync($"{target}: no answer within {timeoutMs} ms").ConfigureAwait(false);
            return 1;
        }
        catch (HttpRequestException e)
        {
            await error.WriteLineAsync($"{target}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary><paramref name="baseUrl"/>'s <c>/health/{check}</c>, with 0.0.0.0, <c>+</c> or <c>*</c> as 127.0.0.1 and <c>[::]</c> as <c>[::1]</c>.</summary>
    public static Uri HealthUrl(string baseUrl, string check)
    {
        var url = new Uri(baseUrl.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute);
        var host = url.Host switch
        {
            "0.0.0.0" => "127.0.0.1",
            "[::]" => "[::1]",
            var named => named,
        };
        return new UriBuilder(url) { Host = host, Path = $"/health/{check}", Query = "" }.Uri;
    }

    private static string LocalHttpUrl()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        return NodeSettings.Load(configuration).HttpUrl;
    }

    private static string? WhyNotParse(IReadOnlyList<string> args, out string check, out string? url, out int timeoutMs)
    {
        check = args.Count > 0 ? args[0] : "";
        url = null;
        timeoutMs = DefaultTimeoutMs;
        if (check is not ("live" or "ready"))
            return check.Length == 0 ? "say which check: live or ready" : $"unknown check '{check}': live or ready";
        for (var i = 1; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count)
                return $"{args[i]} needs a value";
            switch (args[i])
            {
                case "--url":
                    url = args[i + 1];
                    break;
                case "--timeout-ms" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 1 and <= 600_000:
                    timeoutMs = ms;
                    break;
                case "--timeout-ms":
                    return $"--timeout-ms '{args[i + 1]}' must be a number of milliseconds from 1 to 600000";
                default:
                    return $"unknown option '{args[i]}'";
            }
        }

        return null;
    }

    /// <summary>The answer on one line and short: a healthcheck log keeps a few lines of each probe.</summary>
    private static string Shorten(string body)
    {
        var line = body.ReplaceLineEndings(" ").Trim();
        return line.Length <= 300 ? line : line[..300] + "...";
    }
}
