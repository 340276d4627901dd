using Microsoft.Playwright;

namespace Canary.Browser.Tests.Infrastructure;

/// <summary>
/// Debian's headless chromium driven by Playwright's own driver (shipped in the NuGet package). Nothing is downloaded:
/// without /usr/bin/chromium the tests fail and say how to install it.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    static Chromium()
    {
        // Pages that failed to render must fail the test in seconds, not hang it.
        Assertions.SetDefaultExpectTimeout(10_000);
    }

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("chromium was not started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser tests need Debian's chromium at {ExecutablePath}, and it is missing. " +
                "Install it with 'apt-get install -y chromium' (./test.sh does this), then run the tests again.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser profile (cookies, storage), optionally sending extra headers on every request.</summary>
    public Task<IBrowserContext> NewContextAsync(IDictionary<string, string>? headers = null) =>
        Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 1280, Height = 800 },
            ExtraHTTPHeaders = headers is null ? null : new Dictionary<string, string>(headers),
        });

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
