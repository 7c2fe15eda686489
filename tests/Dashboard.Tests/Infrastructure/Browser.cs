using Microsoft.Playwright;

namespace RaftTimers.Dashboard.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright's driver from the NuGet package (a Node.js binary and the
/// Playwright package copied into the test output): no browser or driver is downloaded, which would fail on a closed
/// network. Each instance runs its own browser with a fresh, empty profile, deleted on dispose.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    // Without the background-networking switches Chromium keeps trying to reach Google's hosts, which a closed
    // network refuses; --no-sandbox because CI runs as root.
    private static readonly string[] Switches =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright playwright;
    private readonly DirectoryInfo profile;

    private Browser(IPlaywright playwright, IBrowserContext context, DirectoryInfo profile)
    {
        this.playwright = playwright;
        Context = context;
        this.profile = profile;
    }

    public IBrowserContext Context { get; }

    public static async Task<Browser> LaunchAsync()
    {
        // A missing browser is a failed test, never a skipped one: CI installs it (.ci/run).
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Debian's Chromium is not installed at {ChromiumPath}; the dashboard's browser tests need it "
                + "(apt-get install chromium, as .ci/run does). Playwright's own browser download is not used.");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Assertions.SetDefaultExpectTimeout(30_000);
        var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("rafttimers-chromium-");
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = Switches,
                ViewportSize = new ViewportSize { Width = 1280, Height = 1100 },
                Timeout = 60_000,
            });
            context.SetDefaultTimeout(30_000);
            return new Browser(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            profile.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>
    /// A new tab on node <paramref name="nodeUrl"/>'s dashboard, loaded; <paramref name="beforeLoad"/> prepares the
    /// tab first (a script of its own, say).
    /// </summary>
    public async Task<IPage> OpenDashboardAsync(string nodeUrl, Func<IPage, Task>? beforeLoad = null)
    {
        var page = await Context.NewPageAsync();
        try
        {
            if (beforeLoad is not null)
                await beforeLoad(page);
            await page.GotoAsync($"{nodeUrl}/dashboard");
            return page;
        }
        catch
        {
            await page.CloseAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync();
        }
        finally
        {
            playwright.Dispose();
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
