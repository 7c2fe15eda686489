using System.Net;

namespace RaftTimers.Client.Transport;

/// <summary>One node's whole answer, read before the connection is given back.</summary>
internal sealed record NodeAnswer(Uri Node, HttpStatusCode Status, string Body, string? Reason, string? TimerId, TimeSpan? RetryAfter)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;
}
