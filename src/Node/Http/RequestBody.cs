using System.Buffers;
using RaftTimers.Node.Answers;

namespace RaftTimers.Node.Http;

/// <summary>Reads a request body up to a limit; a larger body is a 413, whether or not it announced its length.</summary>
public static class RequestBody
{
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
