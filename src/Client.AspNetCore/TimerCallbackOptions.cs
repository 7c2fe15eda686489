using RaftTimers.Client.Receiving;

namespace RaftTimers.Client.AspNetCore;

/// <summary>How an endpoint that receives callbacks checks them (<see cref="TimerCallbackEndpointExtensions.RequireTimerCallback{TBuilder}"/>).</summary>
public sealed class TimerCallbackOptions
{
    /// <summary>
    /// The <c>whsec_...</c> secrets whose signatures are accepted, the nodes' <c>RaftTimers:Security:Callbacks:SigningSecrets</c>
    /// (both during a rotation). None: signatures are not checked, for nodes that do not sign.
    /// </summary>
    public IList<string> SigningSecrets { get; } = [];

    /// <summary>How far a signature's timestamp may lie from the receiver's clock, either way.</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The keys handled so far; a callback whose <c>Idempotency-Key</c> is among them is answered 200 without running the
    /// handler. One process's memory: a receiver with several instances sets this to null and records the key in its
    /// own database, with the effect.
    /// </summary>
    public SeenCallbacks? Seen { get; set; } = new();

    /// <summary>The largest body taken; a larger one is answered 413. A callback carries its timer's data, which a create keeps within the nodes' RaftTimers:MaxBodyBytes (64 KiB by default).</summary>
    public int MaxBodyBytes { get; set; } = 1 << 20;

    /// <summary>The clock signatures' timestamps are held to.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;
}

/// <summary>
/// The callback an endpoint behind <see cref="TimerCallbackEndpointExtensions.RequireTimerCallback{TBuilder}"/> is
/// running for, checked: <c>HttpContext.Features.Get&lt;ReceivedCallback&gt;()</c>. The request body can also be read again
/// as usual.
/// </summary>
/// <param name="TimerId"><c>X-Timer-Id</c>.</param>
/// <param name="IdempotencyKey"><c>Idempotency-Key</c>: the same for every attempt and re-delivery of one firing.</param>
/// <param name="Attempt"><c>X-Timer-Attempt</c>, from 1; 0 when absent.</param>
/// <param name="Body">The body as sent.</param>
public sealed record ReceivedCallback(string? TimerId, string? IdempotencyKey, int Attempt, ReadOnlyMemory<byte> Body);
