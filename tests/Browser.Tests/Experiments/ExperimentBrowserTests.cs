using System.Text.Json.Nodes;
using Canary.Browser.Tests.Infrastructure;
using Canary.Browser.Tests.Spa;
using Canary.Router.Experiments;
using static Microsoft.Playwright.Assertions;

namespace Canary.Browser.Tests.Experiments;

/// <summary>
/// Issue 15: SampleSpa's two builds differ in something users act on ("Add to cart" against "Buy now"), and both
/// the button (a request goal, POST /api/orders) and the feedback widget (a beacon, /canary/goals/feedback) move
/// the experiment's counts of the user's own version, in chromium, through the real router.
/// </summary>
public sealed class ExperimentBrowserTests(SampleFleet fleet) : IClassFixture<SampleFleet>
{
    private const double Weight = 50;

    [Theory]
    [InlineData("v1", "Add to cart")]
    [InlineData("v2", "Buy now ⚡")]
    public async Task ButtonAndFeedback_MoveTheCountsOfTheUsersVersion(string version, string button)
    {
        var user = TestRouter.FirstUser(bucket => bucket < Weight * 100 == (version == "v2"));
        await using var router = await TestRouter.StartAsync(Weight, fleet.Routes, goals: Goals());
        await using var context = await fleet.Chromium.NewContextAsync(new Dictionary<string, string> { [TestRouter.UserHeader] = user });
        var spa = await SpaPage.NewAsync(context);
        await spa.GotoAsync(router.PublicAddress, version);
        await spa.ExpectVersionsAsync(version, version);

        var add = spa.Page.GetByTestId("add-to-cart-1");
        await Expect(add).ToHaveTextAsync(button);
        await add.ClickAsync();
        await Expect(spa.Page.GetByTestId("order-status")).ToContainTextAsync("Canary Feeder");
        await add.ClickAsync();
        await spa.Page.GetByTestId("feedback-4").ClickAsync();
        await Expect(spa.Page.GetByTestId("feedback-thanks")).ToContainTextAsync("4/5");
        await Screenshots.TakeAsync(spa.Page, $"experiment-{version}");

        var report = ExperimentEndpoints.Report(router.Host.Core.Experiments.Find(TestRouter.Release)!);
        var orders = report.Goals.Single(g => g.Goal == "orders");
        var feedback = report.Goals.Single(g => g.Goal == "feedback");
        var (mine, other) = version == "v2" ? (orders.Canary, orders.Stable) : (orders.Stable, orders.Canary);
        Assert.Equal(1, mine.Users);
        Assert.Equal(1, mine.Converted); // two clicks, one user
        Assert.Equal(0, other.Users);
        var rated = version == "v2" ? feedback.Canary : feedback.Stable;
        Assert.Equal(1, rated.Values);
        Assert.Equal(4.0, rated.Mean);

        // The dashboard shows the same per goal (no admin key configured: reads are open on loopback).
        var dashboard = await context.NewPageAsync();
        await dashboard.GotoAsync(router.AdminAddress.ToString());
        var row = dashboard.GetByTestId("goal-orders");
        await Expect(row).ToContainTextAsync(version == "v2" ? "0.0% (0/0)" : "100.0% (1/1)");
        await Expect(row.GetByTestId("verdict")).ToContainTextAsync("not yet: 100 users per version");
        await Expect(dashboard.GetByTestId("goal-feedback")).ToContainTextAsync("4.00 (1)");
        await Expect(dashboard.GetByTestId("srm")).ToContainTextAsync("split check ok");
        await Screenshots.TakeAsync(dashboard, $"experiment-dashboard-{version}");
    }

    private static JsonArray Goals() =>
    [
        new JsonObject { ["Name"] = "orders", ["Type"] = "Request", ["Route"] = "api", ["Method"] = "POST", ["Path"] = "/api/orders", ["Status"] = "2xx" },
        new JsonObject { ["Name"] = "feedback", ["Type"] = "Beacon", ["Value"] = true, ["Min"] = 1, ["Max"] = 5 },
    ];
}
