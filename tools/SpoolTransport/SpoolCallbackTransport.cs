using System.Text.Json;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Model;

namespace RaftTimers.SpoolTransport;

/// <summary>
/// Delivers each fired timer as a file in a spool directory, for a consumer that picks up files (a batch job, a log
/// shipper). A timer's callback is <c>spool://{queue}</c>; the file is <c>{Directory}/{queue}/{idempotency key}.json</c>
/// and holds the timer id, the key, the attempt and the data. It is written under a temporary name and renamed, so a
/// consumer never sees half a file, and named by the key, so a repeated attempt of one firing replaces its own file
/// instead of adding a second. Timers choose only the queue, a plain name: never a path outside the directory the
/// operator configured (<c>Settings:Directory</c>).
/// </summary>
public sealed partial class SpoolCallbackTransport : ICallbackTransport
{
    private readonly string root;
    private readonly ILogger logger;

    public SpoolCallbackTransport(CallbackTransportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Name = context.Name;
        if (!context.Settings.TryGetValue("Directory", out var directory) || string.IsNullOrWhiteSpace(directory))
            throw new InvalidOperationException("Settings:Directory is required: the directory the spool's queues live in");
        root = Path.GetFullPath(directory);
        Directory.CreateDirectory(root);
        logger = context.Loggers.CreateLogger<SpoolCallbackTransport>();
    }

    public string Name { get; }

    public string TargetShape => $"{Name}://queue, a queue name of letters, digits, '-' and '_'";

    public bool Accepts(Uri target)
        => target.Scheme == Name && IsQueueName(target.Host) && target.IsDefaultPort && target.AbsolutePath == "/"
           && target.Query.Length == 0 && target.Fragment.Length == 0 && target.UserInfo.Length == 0;

    public async Task<AttemptResult> SendAsync(TimerRecord timer, int attempt, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var queue = new Uri(timer.Spec.Callback.Uri).Host;
        var key = timer.IdempotencyKey;
        var directory = Path.Combine(root, queue);
        var final = Path.Combine(directory, FileName(key) + ".json");
        var temporary = Path.Combine(directory, $".{FileName(key)}.{attempt}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await using var json = new Utf8JsonWriter(file);
                json.WriteStartObject();
                json.WriteString("id", timer.Id);
                json.WriteString("idempotencyKey", key);
                json.WriteNumber("attempt", attempt);
                switch (timer.Spec.Data.Kind)
                {
                    case TimerDataKind.Text:
                        json.WriteString("data", timer.Spec.Data.Utf8.Span);
                        break;
                    case TimerDataKind.Json:
                        json.WritePropertyName("data");
                        json.WriteRawValue(timer.Spec.Data.Utf8.Span);
                        break;
                }

                json.WriteEndObject();
                await json.FlushAsync(token).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, final, overwrite: true);
            return AttemptResult.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(logger, e, final);
            TryDelete(temporary);
            return AttemptResult.Failure($"spool {queue}: {e.Message}");
        }
    }

    /// <summary>The key as a file name: ids may hold characters a file system will not take, so those are escaped.</summary>
    private static string FileName(string key)
        => string.Concat(key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c.ToString() : $"%{(int)c:X2}"));

    private static bool IsQueueName(string name)
        => name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Spool: could not write {File}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string file);
}
