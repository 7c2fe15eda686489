using System.Text;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>Timer specs and payloads for tests. Every call returns fresh byte arrays, so equality is by content only.</summary>
internal static class Specs
{
    public const string DefaultUri = "http://127.0.0.1:9000/callback";

    public static TimerSpec Http(long timeoutMs, string uri = DefaultUri, TimerData? data = null, string method = "post")
        => new(timeoutMs, new CallbackSpec("http", method, uri), data ?? TimerData.None);

    public static TimerData Text(string text) => new(TimerDataKind.Text, Encoding.UTF8.GetBytes(text));

    public static TimerData Json(string json) => new(TimerDataKind.Json, Encoding.UTF8.GetBytes(json));
}
