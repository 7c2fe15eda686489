using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// The API over HTTPS from configuration alone: an https:// URL and Kestrel's certificate settings, with a
/// self-signed certificate the test makes and the client pins.
/// </summary>
public sealed class HttpsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_node_serves_the_API_over_HTTPS_with_the_certificate_its_settings_name()
    {
        var directory = Path.Combine(Path.GetTempPath(), "rafttimers-https-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        using var certificate = SelfSigned();
        var certificatePath = Path.Combine(directory, "api.crt");
        var keyPath = Path.Combine(directory, "api.key");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var port = FreePorts.FindRun(2);
        var url = $"https://127.0.0.1:{port}";

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     RepoPaths.NodeDll, "--node-id", "n1", "--http", url, "--raft", $"127.0.0.1:{port + 1}", "--data", Path.Combine(directory, "data"),
                     $"--Kestrel:Certificates:Default:Path={certificatePath}", $"--Kestrel:Certificates:Default:KeyPath={keyPath}",
                 })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            // The client trusts exactly this certificate: what a client of a self-signed node would pin.
            using var http = new HttpClient(new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString() },
            }) { Timeout = TimeSpan.FromSeconds(10) };
            await Poll.UntilAsync(async () =>
                {
                    try
                    {
                        using var ready = await http.GetAsync($"{url}/health/ready");
                        return ready.StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return (HttpStatusCode)0;
                    }
                },
                s => s == HttpStatusCode.OK, Deadline, s => $"not ready over HTTPS ({(int)s})");

            using var timers = new RaftTimersClient(http, new RaftTimersClientOptions { Nodes = [new Uri(url)] });
            var created = await timers.CreateAsync(TimerRequest.After(TimeSpan.FromMinutes(10), "https://hooks.example.com/x"), "over-https");
            Assert.Equal("over-https", created.Id);
            Assert.Equal("pending", (await timers.GetAsync("over-https"))?.State);

            // Plain HTTP on the same port is not served.
            using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{port}/ping"));
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            _ = await output;
            _ = await errors;
            Directory.Delete(directory, recursive: true);
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=rafttimers-test-api", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
