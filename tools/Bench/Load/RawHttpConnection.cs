using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// A lean HTTP/1.1 keep-alive connection for the load generator's hot path (what wrk and bombardier do): one request
/// at a time, the request written in one send from a reused buffer, the response parsed in place (status, Location,
/// x-skyring-reason, Content-Length or chunked body). HttpClient costs the load generator about as much CPU per
/// request as the server's whole work, which on a shared 2-core machine would be measured as server slowness.
/// Reconnects after a transport error or a <c>Connection: close</c>.
/// </summary>
public sealed class RawHttpConnection(Uri server) : IDisposable
{
    private readonly byte[] hostHeader = Encoding.ASCII.GetBytes($"Host: {server.Authority}\r\n");
    private byte[] send = new byte[4096];
    private byte[] receive = new byte[16384];
    private Socket? socket;

    public Uri Server { get; } = server;

    /// <summary>Sends one request and reads its response. <paramref name="headers"/> are complete lines ending in CRLF.</summary>
    public async Task<RawResponse> SendAsync(string method, string path, string? headers, ReadOnlyMemory<byte> body, CancellationToken token)
    {
        try
        {
            return await SendOnceAsync(method, path, headers, body, token).ConfigureAwait(false);
        }
        catch
        {
            Close();
            throw;
        }
    }

    private async Task<RawResponse> SendOnceAsync(string method, string path, string? headers, ReadOnlyMemory<byte> body, CancellationToken token)
    {
        if (socket is null)
        {
            var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await s.ConnectAsync(Server.Host, Server.Port, token).ConfigureAwait(false);
            }
            catch
            {
                s.Dispose();
                throw;
            }

            socket = s;
        }

        var length = WriteRequest(method, path, headers, body.Span);
        var sent = 0;
        while (sent < length)
            sent += await socket.SendAsync(send.AsMemory(sent, length - sent), SocketFlags.None, token).ConfigureAwait(false);

        // Read until the end of the headers.
        var filled = 0;
        int headerEnd;
        while ((headerEnd = receive.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
            filled = await ReadMoreAsync(filled, token).ConfigureAwait(false);
        var head = receive.AsSpan(0, headerEnd + 4);
        var status = ParseStatus(head);
        var contentLength = -1L;
        var chunked = false;
        var close = false;
        string? location = null;
        string? reason = null;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
                continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
                Utf8Parser.TryParse(value, out contentLength, out _);
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
                chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
                close = Ascii.EqualsIgnoreCase(value, "close"u8);
            else if (Ascii.EqualsIgnoreCase(name, "location"u8))
                location = Encoding.ASCII.GetString(value);
            else if (Ascii.EqualsIgnoreCase(name, "x-skyring-reason"u8))
                reason = Encoding.UTF8.GetString(value);
        }

        var bodyStart = headerEnd + 4;
        byte[] content;
        if (chunked)
        {
            (content, filled) = await ReadChunkedAsync(bodyStart, filled, token).ConfigureAwait(false);
        }
        else
        {
            var need = Math.Max(0, contentLength);
            while (filled - bodyStart < need)
                filled = await ReadMoreAsync(filled, token).ConfigureAwait(false);
            content = receive.AsSpan(bodyStart, (int)need).ToArray();
            filled = bodyStart + (int)need;
        }

        if (close || contentLength < 0 && !chunked)
            Close();
        return new RawResponse(status, location, reason, content);
    }

    private async Task<(byte[] Content, int Filled)> ReadChunkedAsync(int at, int filled, CancellationToken token)
    {
        var content = new ArrayBufferWriter<byte>();
        while (true)
        {
            int lineEnd;
            while ((lineEnd = receive.AsSpan(at, filled - at).IndexOf("\r\n"u8)) < 0)
                filled = await ReadMoreAsync(filled, token).ConfigureAwait(false);
            var sizeText = receive.AsSpan(at, lineEnd);
            var semi = sizeText.IndexOf((byte)';');
            if (semi >= 0)
                sizeText = sizeText[..semi];
            if (!Utf8Parser.TryParse(sizeText, out int size, out _, 'x'))
                throw new IOException("bad chunk size");
            at += lineEnd + 2;
            while (filled - at < size + 2)
                filled = await ReadMoreAsync(filled, token).ConfigureAwait(false);
            content.Write(receive.AsSpan(at, size));
            at += size + 2;
            if (size == 0)
                return (content.WrittenSpan.ToArray(), at);
        }
    }

    private async Task<int> ReadMoreAsync(int filled, CancellationToken token)
    {
        if (filled == receive.Length)
            Array.Resize(ref receive, receive.Length * 2);
        var read = await socket!.ReceiveAsync(receive.AsMemory(filled), SocketFlags.None, token).ConfigureAwait(false);
        if (read == 0)
            throw new IOException("the server closed the connection");
        return filled + read;
    }

    private int WriteRequest(string method, string path, string? headers, ReadOnlySpan<byte> body)
    {
        var needed = 256 + path.Length + hostHeader.Length + (headers?.Length ?? 0) * 3 + body.Length;
        if (send.Length < needed)
            send = new byte[needed];
        var span = send.AsSpan();
        var n = Encoding.ASCII.GetBytes(method, span);
        span[n++] = (byte)' ';
        n += Encoding.UTF8.GetBytes(path, span[n..]);
        n += Copy(" HTTP/1.1\r\n"u8, span[n..]);
        n += Copy(hostHeader, span[n..]);
        if (headers is not null)
            n += Encoding.UTF8.GetBytes(headers, span[n..]);
        if (body.Length > 0 || method is "POST" or "PUT")
        {
            n += Copy("Content-Type: application/json\r\nContent-Length: "u8, span[n..]);
            Utf8Formatter.TryFormat(body.Length, span[n..], out var written);
            n += written;
            n += Copy("\r\n"u8, span[n..]);
        }

        n += Copy("\r\n"u8, span[n..]);
        n += Copy(body, span[n..]);
        return n;
    }

    private static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
    {
        from.CopyTo(to);
        return from.Length;
    }

    private static int ParseStatus(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 201 Created"
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
            throw new IOException("bad status line");
        return status;
    }

    private void Close()
    {
        socket?.Dispose();
        socket = null;
    }

    public void Dispose() => Close();
}

/// <summary>A response read by <see cref="RawHttpConnection"/>.</summary>
public readonly record struct RawResponse(int Status, string? Location, string? Reason, byte[] Content);
