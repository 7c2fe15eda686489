using System.Buffers;
using RaftTimers.Node.Answers;

namespace RaftTimers.Node.Http;

/// <summary>Reads a request body up to a limit; a larger body is a 413, whether or not it announced its length.</summary>
public static class RequestBody
{
    /// <summary>415 unless the request declares a JSON body: <c>application/json</c> or a <c>+json</c> type, any parameters.</summary>
    public static void RequireJson(HttpRequest request)
    {
        if (IsJson(request.ContentType))
            return;
        throw new ApiException(StatusCodes.Status415UnsupportedMediaType, request.ContentType is { Length: > 0 } given
            ? $"the body must be sent as Content-Type: application/json, not {ApiError.Quote(given)}"
            : "the body must be sent as Content-Type: application/json; the request declared no content type");
    }

    public static bool IsJson(string? contentType)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed))
            return false;
        var type = parsed.MediaType.Value ?? "";
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads the body whole within <paramref name="deadline"/>: a body that has not arrived by then is a 408, so a
    /// client that trickles its body cannot keep what the caller takes next.
    /// </summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, int maxBytes, TimeSpan deadline, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(deadline);
        try
        {
            return await ReadAsync(request, maxBytes, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
        {
            throw new ApiException(StatusCodes.Status408RequestTimeout,
                $"the request body did not arrive within {deadline.TotalMilliseconds:0} ms (RaftTimers:BodyTimeoutMs)");
        }
    }

    public static async Task<byte[]> ReadAsync(HttpRequest request, int maxBytes, CancellationToken token)
    {
        if (request.ContentLength is { } announced && announced > maxBytes)
            throw TooLarge(maxBytes);

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, 16 * 1024));
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                int read;
                try
                {
                    read = await request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, maxBytes + 1) - length), token).ConfigureAwait(false);
                }
                catch (BadHttpRequestException e)
                {
                    // Kestrel's own verdict on a broken body (bad chunking, too slow): a 4xx with its reason.
                    throw new ApiException(e.StatusCode, $"unreadable request body: {e.Message}");
                }

                if (read == 0)
                    break;
                length += read;
                if (length > maxBytes)
                    throw TooLarge(maxBytes);
            }

            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ApiException TooLarge(int maxBytes)
        => new(StatusCodes.Status413PayloadTooLarge, $"request body exceeds the limit of {maxBytes} bytes");
}
