namespace RaftTimers.Model;

/// <summary>Where and how a fired timer is delivered.</summary>
/// <param name="Transport">The transport name; <c>http</c> is the only built-in one.</param>
/// <param name="Method">The HTTP method in lower case (<c>post</c>, <c>put</c>, ...).</param>
/// <param name="Uri">An absolute http or https URI.</param>
public sealed record CallbackSpec(string Transport, string Method, string Uri);
