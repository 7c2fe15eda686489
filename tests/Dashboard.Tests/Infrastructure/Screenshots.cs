using System.Runtime.CompilerServices;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace RaftTimers.Dashboard.Tests.Infrastructure;

/// <summary>
/// Keeps what the browser showed as PNG artifacts: tests/Dashboard.Tests/TestResults/screenshots (git ignores
/// TestResults/), or the folder named by RAFTTIMERS_SCREENSHOTS. Files are named after the test
/// (<c>{test}-{step}.png</c>, and <c>{test}-failed.png</c> when it failed); a test's files from an earlier run are
/// deleted when it starts, so every file there is from the last run of its test. Each path is printed to the test output.
/// </summary>
internal sealed class Screenshots
{
    public static string Directory { get; } = Environment.GetEnvironmentVariable("RAFTTIMERS_SCREENSHOTS") is { Length: > 0 } chosen
        ? chosen
        : Path.Combine(RepoPaths.Root, "tests", "Dashboard.Tests", "TestResults", "screenshots");

    private readonly string test;
    private readonly ITestOutputHelper output;

    private Screenshots(string test, ITestOutputHelper output)
    {
        this.test = test;
        this.output = output;
    }

    /// <summary>The screenshots of test <paramref name="test"/> (the calling method), its earlier ones deleted.</summary>
    public static Screenshots For(ITestOutputHelper output, [CallerMemberName] string test = "")
    {
        System.IO.Directory.CreateDirectory(Directory);
        foreach (var old in System.IO.Directory.EnumerateFiles(Directory, $"{test}-*.png"))
            File.Delete(old);
        return new Screenshots(test, output);
    }

    public async Task<string> TakeAsync(IPage page, string step)
    {
        var path = Path.Combine(Directory, $"{test}-{step}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
        return path;
    }

    /// <summary>
    /// Runs <paramref name="body"/> on <paramref name="page"/> and closes the page. When the body throws, what the page
    /// showed is kept as <c>{test}-failed.png</c> first, and the exception goes on as it was.
    /// </summary>
    public async Task OnPageAsync(IPage page, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception)
        {
            try
            {
                await TakeAsync(page, "failed");
            }
            catch (PlaywrightException e)
            {
                output.WriteLine($"no screenshot of the failure: {e.Message}");
            }

            throw;
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
