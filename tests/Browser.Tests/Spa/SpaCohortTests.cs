using Canary.Browser.Tests.Infrastructure;
using Canary.Router.Routing;
using static Microsoft.Playwright.Assertions;

namespace Canary.Browser.Tests.Spa;

/// <summary>
/// Issue #2: a user of the SPA gets one version for everything (the page, its hashed assets, its API calls), by
/// cohort, across reloads, and a page left behind by a cohort switch catches up by reloading once.
/// Real SampleApi and SampleSpa processes behind the real router, seen through headless chromium.
/// </summary>
public sealed class SpaCohortTests(SampleFleet fleet) : IClassFixture<SampleFleet>
{
    private const double Weight = 50;
    private const string ReloadFlag = "canary:mismatch-reloaded";

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task UserInCohort_PageAssetsAndApiAllFromTheirVersion(string version)
    {
        var user = TestRouter.FirstUser(bucket => bucket < Weight * 100 == (version == "v2"));
        await using var router = await TestRouter.StartAsync(Weight, fleet.Routes);
        await using var context = await fleet.Chromium.NewContextAsync(new Dictionary<string, string> { [TestRouter.UserHeader] = user });
        var spa = await SpaPage.NewAsync(context);

        await spa.GotoAsync(router.PublicAddress, version);

        await spa.ExpectVersionsAsync(version, version);
        await spa.AssertAssetsFromAsync(version);
        spa.AssertEveryResponseFrom(version);
        await Screenshots.TakeAsync(spa.Page, $"spa-{version}");
    }

    [Fact]
    public async Task BetaSegment_UserOfStableCohortSeesCanaryEverywhere()
    {
        var user = TestRouter.FirstUser(bucket => bucket >= Weight * 100);
        await using var router = await TestRouter.StartAsync(Weight, fleet.Routes);
        await using var context = await fleet.Chromium.NewContextAsync(new Dictionary<string, string>
        {
            [TestRouter.UserHeader] = user,
            ["X-Beta"] = "true",
        });
        var spa = await SpaPage.NewAsync(context);

        await spa.GotoAsync(router.PublicAddress, "v2");

        await spa.ExpectVersionsAsync("v2", "v2");
        await spa.AssertAssetsFromAsync("v2");
        spa.AssertEveryResponseFrom("v2");
    }

    [Fact]
    public async Task AnonymousUser_CookiePinsOneVersion_KeptOnReload()
    {
        await using var router = await TestRouter.StartAsync(Weight, fleet.Routes);

        // A few anonymous visitors: each lands in the cohort of the bucket its cookie names.
        for (var visitor = 0; visitor < 3; visitor++)
        {
            await using var context = await fleet.Chromium.NewContextAsync();
            var spa = await SpaPage.NewAsync(context);

            await spa.GotoAsync(router.PublicAddress);

            var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == TestRouter.AnonymousCookie);
            Assert.True(cookie.HttpOnly, "the anonymous cookie must be HttpOnly");
            Assert.Equal("/", cookie.Path);
            var expected = TestRouter.ExpectedVersion(AnonymousId.IdOf(cookie.Value), Weight);
            Assert.Equal(expected, await spa.ShownVersionAsync());
            await spa.ExpectVersionsAsync(expected, expected);
            await spa.AssertAssetsFromAsync(expected);

            await spa.Page.ReloadAsync();

            await spa.ExpectVersionsAsync(expected, expected);
            await spa.AssertAssetsFromAsync(expected);
            spa.AssertEveryResponseFrom(expected);
            var after = Assert.Single(await context.CookiesAsync(), c => c.Name == TestRouter.AnonymousCookie);
            Assert.Equal(cookie.Value, after.Value);
        }
    }

    [Fact]
    public async Task CohortSwitch_PageOfOldVersionSeesMismatch_ReloadsOnceOntoNewVersion()
    {
        // On v1 at 50%, on v2 once the weight reaches 80%.
        var user = TestRouter.FirstUser(bucket => bucket is >= 5000 and < 8000);
        await using var router = await TestRouter.StartAsync(Weight, fleet.Routes);
        await using var context = await fleet.Chromium.NewContextAsync(new Dictionary<string, string> { [TestRouter.UserHeader] = user });
        var spa = await SpaPage.NewAsync(context);

        // The page's first API call is held until the weight has moved: the rollout happens while the page loads.
        var calls = 0;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var moved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await spa.Page.RouteAsync("**/api/version", async route =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                held.TrySetResult();
                await moved.Task;
            }

            await route.ContinueAsync();
        });

        // The reload's document waits for the screenshot of the notice, which would otherwise race the reload.
        var documents = 0;
        var noticeTaken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await spa.Page.RouteAsync(router.PublicAddress.ToString(), async route =>
        {
            if (Interlocked.Increment(ref documents) > 1)
            {
                await noticeTaken.Task;
            }

            await route.ContinueAsync();
        });

        await spa.GotoAsync(router.PublicAddress, "v1");
        await held.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Expect(spa.Page.GetByTestId("spa-version")).ToHaveTextAsync("v1");
        await spa.AssertAssetsFromAsync("v1");

        router.SetWeight(80);
        moved.SetResult();

        var notice = spa.Page.GetByTestId("version-mismatch");
        await Expect(notice).ToContainTextAsync("This page is v1 but the server is v2");
        await Expect(notice).ToContainTextAsync("Reloading");
        await Screenshots.TakeAsync(spa.Page, "spa-mismatch");
        noticeTaken.SetResult();

        await spa.ExpectVersionsAsync("v2", "v2");
        await spa.AssertAssetsFromAsync("v2");
        Assert.Equal(2, calls);
        Assert.Equal(2, documents);
        Assert.Null(await spa.Page.EvaluateAsync<string?>($"() => sessionStorage.getItem('{ReloadFlag}')"));

        // Longer than the SPA's reload delay: it stays put.
        await Task.Delay(1500);
        Assert.Equal(2, spa.Navigations);
        await Expect(spa.Page.GetByTestId("spa-version")).ToHaveTextAsync("v2");
    }

    [Fact]
    public async Task PersistentMismatch_ReloadsOnlyOnce_ThenAsksTheUser()
    {
        var user = TestRouter.FirstUser(bucket => bucket >= Weight * 100);
        await using var router = await TestRouter.StartAsync(Weight, fleet.Routes);
        await using var context = await fleet.Chromium.NewContextAsync(new Dictionary<string, string> { [TestRouter.UserHeader] = user });
        var spa = await SpaPage.NewAsync(context);

        // An API that keeps answering v2 to a v1 page (e.g. a broken rollout): no reload loop.
        await spa.Page.RouteAsync("**/api/version", route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "application/json",
            Body = """{"version":"v2","instance":"test"}""",
        }));

        await spa.GotoAsync(router.PublicAddress, "v1");

        var notice = spa.Page.GetByTestId("version-mismatch");
        await Expect(notice).ToContainTextAsync("Reloading");
        await Expect(notice).ToContainTextAsync("Reload the page to update.");
        await Expect(spa.Page.GetByTestId("spa-version")).ToHaveTextAsync("v1");
        Assert.Equal(2, spa.Navigations);

        await Task.Delay(1500);
        Assert.Equal(2, spa.Navigations);
        await Expect(notice).ToContainTextAsync("Reload the page to update.");
    }
}
