using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Canary.Browser.Tests.Infrastructure;
using Canary.Router.Admin;
using Canary.Router.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Canary.Browser.Tests.Spa;

/// <summary>
/// Telling users: an operator's notice (scheduled through the admin API) as the SampleSpa's banner, and a page whose
/// version changed under it saying what happened after its reload. Real processes behind the real router, in chromium.
/// </summary>
public sealed class SpaNoticeTests(SampleFleet fleet) : IClassFixture<SampleFleet>
{
    private const string Key = "spa-notice-key";
    private const string Message = "Maintenance tonight 22:00 UTC: checkout pauses for 10 minutes.";

    [Fact]
    public async Task NoticeScheduled_BannerShown_VersionChangeExplainedAfterTheReload()
    {
        // On v1 at 50%, on v2 once the weight reaches 80%.
        var user = TestRouter.FirstUser(bucket => bucket is >= 5000 and < 8000);
        await using var router = await TestRouter.StartAsync(50, fleet.Routes, new RouterHostOptions { AdminKey = new AdminKey(Key) });
        await ScheduleNoticeAsync(router);
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

        await spa.GotoAsync(router.PublicAddress, "v1");
        var banner = spa.Page.GetByTestId("notice-banner");
        await Expect(banner).ToContainTextAsync(Message);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Screenshots.TakeAsync(spa.Page, "spa-notice");

        router.SetWeight(80);
        moved.SetResult();

        var changed = spa.Page.GetByTestId("version-changed");
        await Expect(changed).ToContainTextAsync("this page was v1 and the server moved you to v2");
        await spa.ExpectVersionsAsync("v2", "v2");
        await Expect(banner).ToContainTextAsync(Message);
        await Screenshots.TakeAsync(spa.Page, "spa-version-changed");

        await changed.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "OK" }).ClickAsync();
        await Expect(changed).ToHaveCountAsync(0);

        // A later reload has nothing more to explain.
        await spa.Page.ReloadAsync();
        await spa.ExpectVersionsAsync("v2", "v2");
        await Expect(banner).ToContainTextAsync(Message);
        await Expect(changed).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task NoNotice_NoBanner()
    {
        await using var router = await TestRouter.StartAsync(0, fleet.Routes);
        await using var context = await fleet.Chromium.NewContextAsync();
        var spa = await SpaPage.NewAsync(context);

        var asked = spa.Page.WaitForResponseAsync("**/canary/notice");
        await spa.GotoAsync(router.PublicAddress, "v1");

        Assert.Equal(200, (await asked).Status);
        await spa.ExpectVersionsAsync("v1", "v1");
        await Expect(spa.Page.GetByTestId("notice-banner")).ToHaveCountAsync(0);
    }

    private static async Task ScheduleNoticeAsync(TestRouter router)
    {
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var body = new JsonObject
        {
            ["message"] = Message,
            ["until"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        using var response = await client.PutAsync(new Uri(router.AdminAddress, "/admin/releases/shop/notice"),
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
