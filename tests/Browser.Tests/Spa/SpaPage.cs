using System.Collections.Concurrent;
using Canary.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Canary.Browser.Tests.Spa;

/// <summary>The sample SPA in a browser page, behind the router, with every response it received recorded.</summary>
internal sealed class SpaPage
{
    private readonly ConcurrentQueue<SeenResponse> _responses = new();
    private int _navigations;

    private SpaPage(IPage page)
    {
        Page = page;
        page.Response += (_, response) => _responses.Enqueue(new SeenResponse(
            new Uri(response.Url), response.Status, response.Headers.GetValueOrDefault("x-canary-version")));
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
            {
                Interlocked.Increment(ref _navigations);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>How many documents the page has loaded (the first one included).</summary>
    public int Navigations => Volatile.Read(ref _navigations);

    public static async Task<SpaPage> NewAsync(IBrowserContext context) => new(await context.NewPageAsync());

    /// <summary>Opens / and checks the document itself came from <paramref name="version"/>, when given.</summary>
    public async Task GotoAsync(Uri address, string? version = null)
    {
        var response = await Page.GotoAsync(address.ToString());
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        if (version is not null)
        {
            Assert.Equal(version, response.Headers.GetValueOrDefault("x-canary-version"));
            Assert.Equal(version, response.Headers.GetValueOrDefault("x-backend-version"));
        }
    }

    /// <summary>Waits for the API's answer and checks the page is whole: versions, no notice, no error, the products.</summary>
    public async Task ExpectVersionsAsync(string spaVersion, string apiVersion)
    {
        await Expect(Page.GetByTestId("spa-version")).ToHaveTextAsync(spaVersion);
        await Expect(Page.GetByTestId("api-version")).ToHaveTextAsync(apiVersion);
        await Expect(Page).ToHaveTitleAsync($"Canary Shop {spaVersion}");
        await Expect(Page.GetByTestId("products").Locator("li")).ToHaveCountAsync(6);
        await Expect(Page.GetByTestId("api-error")).ToHaveCountAsync(0);
        if (spaVersion == apiVersion)
        {
            await Expect(Page.GetByTestId("version-mismatch")).ToHaveCountAsync(0);
        }
    }

    /// <summary>The version the page shows once the API has answered.</summary>
    public async Task<string> ShownVersionAsync()
    {
        await Expect(Page.GetByTestId("api-version")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^v\d+$"));
        return (await Page.GetByTestId("spa-version").TextContentAsync())!;
    }

    /// <summary>
    /// Every script and style sheet of the current document (Vite's hashed files under /assets/) is a file of
    /// <paramref name="version"/>'s build and of no other, was served with 200 and marked by the router as that version.
    /// </summary>
    public async Task AssertAssetsFromAsync(string version)
    {
        var urls = await Page.EvaluateAsync<string[]>("""
            () => [...new Set([
              ...[...document.querySelectorAll('script[src], link[rel=stylesheet][href], link[rel=modulepreload][href]')].map(e => e.src || e.href),
              ...performance.getEntriesByType('resource').map(e => e.name),
            ])].filter(u => new URL(u).pathname.startsWith('/assets/'))
            """);
        var files = urls.Select(u => new Uri(u)).ToList();
        Assert.Contains(files, f => f.AbsolutePath.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(files, f => f.AbsolutePath.EndsWith(".css", StringComparison.Ordinal));

        var other = version == "v1" ? "v2" : "v1";
        foreach (var file in files)
        {
            var name = Path.GetFileName(file.AbsolutePath);
            Assert.True(File.Exists(Path.Combine(RepoPaths.SpaBuild(version), "assets", name)),
                $"{name} is not a file of the {version} build ({RepoPaths.SpaBuild(version)})");
            Assert.False(File.Exists(Path.Combine(RepoPaths.SpaBuild(other), "assets", name)),
                $"{name} is also a file of the {other} build: the builds must have different hashed names");

            var served = _responses.LastOrDefault(r => r.Url.AbsolutePath == file.AbsolutePath);
            Assert.NotNull(served);
            Assert.Equal(200, served.Status);
            Assert.Equal(version, served.CanaryVersion);
        }
    }

    /// <summary>
    /// Every proxied response the router gave this page carried the same X-Canary-Version (the router's own paths,
    /// /canary/*, belong to no version).
    /// </summary>
    public void AssertEveryResponseFrom(string version)
    {
        var seen = _responses.Where(r => !r.Url.AbsolutePath.StartsWith("/canary/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(seen);
        Assert.All(seen, r => Assert.True(r.CanaryVersion == version, $"{r.Url} came from {r.CanaryVersion ?? "no version"}, not {version}"));
    }

    private sealed record SeenResponse(Uri Url, int Status, string? CanaryVersion);
}
