using Microsoft.Playwright;
using Xunit.Abstractions;

namespace RaftTimers.Dashboard.Tests.Infrastructure;

/// <summary>
/// Keeps what the browser showed as PNG artifacts: tests/Dashboard.Tests/TestResults/screenshots (git ignores
/// TestResults/), or the folder named by RAFTTIMERS_SCREENSHOTS. Each path is printed to the test output.
/// </summary>
internal static class Screenshots
{
    public static string Directory { get; } = Environment.GetEnvironmentVariable("RAFTTIMERS_SCREENSHOTS") is { Length: > 0 } chosen
        ? chosen
        : Path.Combine(RepoPaths.Root, "tests", "Dashboard.Tests", "TestResults", "screenshots");

    public static async Task<string> TakeAsync(IPage page, string name, ITestOutputHelper output)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
        return path;
    }
}
