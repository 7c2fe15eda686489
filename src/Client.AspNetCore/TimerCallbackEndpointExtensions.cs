using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RaftTimers.Client.Receiving;

namespace RaftTimers.Client.AspNetCore;

/// <summary>Makes an ASP.NET Core endpoint a receiver of RaftTimers callbacks (docs/client.md, "Receiving callbacks").</summary>
public static class TimerCallbackEndpointExtensions
{
    /// <summary>
    /// Checks every request before the endpoint's handler runs: the body within <see cref="TimerCallbackOptions.MaxBodyBytes"/>
    /// (413 otherwise); with signing secrets, a valid Standard Webhooks signature (401 naming what failed otherwise); with
    /// <see cref="TimerCallbackOptions.Seen"/>, an <c>Idempotency-Key</c> (400 without one) not handled before (a repeat is
    /// answered 200 and the handler does not run). A handler that throws or answers other than 2xx leaves the key
    /// unhandled, so the node's retry runs it again.
    /// </summary>
    public static TBuilder RequireTimerCallback<TBuilder>(this TBuilder builder, Action<TimerCallbackOptions>? configure = null)
        where TBuilder : IEndpointConventionBuilder
    {
        var options = new TimerCallbackOptions();
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBodyBytes, 0);
        var verifier = options.SigningSecrets.Count > 0 ? new CallbackVerifier(options.SigningSecrets, options.Tolerance, options.Clock) : null;
        return builder.AddEndpointFilter(new TimerCallbackFilter(verifier, options.Seen, options.MaxBodyBytes));
    }
}

/// <summary>The checks of <see cref="TimerCallbackEndpointExtensions.RequireTimerCallback{TBuilder}"/>.</summary>
internal sealed class TimerCallbackFilter(CallbackVerifier? verifier, SeenCallbacks? seen, int maxBodyBytes) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var body = await ReadBodyAsync(request, maxBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (body is null)
            return Refuse(StatusCodes.Status413PayloadTooLarge, $"the callback's body is larger than {maxBodyBytes} bytes");

        if (verifier is not null)
        {
            var check = verifier.Verify(request.Headers["webhook-id"], request.Headers["webhook-timestamp"], request.Headers["webhook-signature"], body);
            if (check != CallbackCheck.Valid)
                return Refuse(StatusCodes.Status401Unauthorized, $"the callback's signature does not hold: {check}");
        }

        string? key = request.Headers["Idempotency-Key"];
        if (seen is not null)
        {
            if (string.IsNullOrEmpty(key))
                return Refuse(StatusCodes.Status400BadRequest, "the request has no Idempotency-Key: not a RaftTimers callback");
            if (!seen.FirstTime(key))
                return TypedResults.Ok(); // a repeat of a delivery already handled
        }

        int.TryParse(request.Headers["X-Timer-Attempt"], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt);
        http.Features.Set(new ReceivedCallback(request.Headers["X-Timer-Id"], key, attempt, body));
        request.Body = new MemoryStream(body, writable: false);
        try
        {
            var result = await next(context).ConfigureAwait(false);
            if (seen is not null && !Succeeded(result, http))
                seen.Forget(key!);
            return result;
        }
        catch
        {
            seen?.Forget(key!);
            throw;
        }
    }

    /// <summary>Whether the handler's answer is 2xx: its result's status, or what it set on the response itself.</summary>
    private static bool Succeeded(object? result, HttpContext http)
    {
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : http.Response.StatusCode;
        return status is >= 200 and < 300;
    }

    private static IResult Refuse(int status, string reason) => TypedResults.Problem(statusCode: status, detail: reason);

    /// <summary>The whole body, or null when it is larger than <paramref name="max"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int max, CancellationToken token)
    {
        if (request.ContentLength > max)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, token).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > max)
                return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
