using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Canary.Browser.Tests.Infrastructure;
using Canary.Router.Admin;
using Canary.Router.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Canary.Browser.Tests.Dashboard;

/// <summary>
/// Issue #5: the operator dashboard, driven as an operator would while traffic flows: enter the key, move the
/// weight slider, watch the charts, roll back. What it did is checked through the admin API.
/// </summary>
public sealed partial class DashboardTests : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string Key = "test-key";
    private const string Release = TestRouter.Release;

    private readonly Chromium _chromium;
    private readonly List<KestrelApp> _backends = [];
    private TestRouter _router = null!;
    private TrafficLoop _traffic = null!;

    public DashboardTests(Chromium chromium) => _chromium = chromium;

    public async Task InitializeAsync()
    {
        _backends.Add(await TestBackend.StartAsync("v1"));
        _backends.Add(await TestBackend.StartAsync("v2"));
        _router = await TestRouter.StartAsync(10, [new RouteSpec("web", "/{**rest}", _backends[0].Destination, _backends[1].Destination)],
            new RouterHostOptions { AdminKey = new AdminKey(Key) });
        _traffic = TrafficLoop.Start(new Uri(_router.PublicAddress, "/products"), TestRouter.UserHeader);
    }

    public async Task DisposeAsync()
    {
        await _traffic.DisposeAsync();
        await _router.DisposeAsync();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task Operator_SetsWeightWithSlider_SeesChartsMove_RollsBack()
    {
        await using var context = await _chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);

        IResponse? response = null;
        var firstRead = await page.RunAndWaitForResponseAsync(
            async () => response = await page.GotoAsync(_router.AdminAddress.ToString()),
            r => new Uri(r.Url).AbsolutePath == "/admin/releases");
        Assert.Equal(200, response!.Status);
        Assert.Equal(401, firstRead.Status);

        // Let the page handle that answer before looking at what it says.
        await page.EvaluateAsync("() => new Promise(resolve => setTimeout(resolve, 100))");
        await Expect(page).ToHaveTitleAsync(new Regex("Canary"));

        // No key yet: the page asks for it, shows no release, and blames no key that was never given.
        var keyField = page.GetByTestId("admin-key");
        var status = page.Locator("#status");
        await Expect(keyField).ToBeVisibleAsync();
        await Expect(page.GetByTestId("release")).ToHaveCountAsync(0);
        await Expect(status).ToContainTextAsync("admin key", new() { Timeout = 2000 });
        await Expect(status).Not.ToContainTextAsync("refused", new() { Timeout = 2000 });
        await Screenshots.TakeAsync(page, "dashboard-key");

        // A wrong key is refused, and the page asks again.
        await keyField.FillAsync("wrong-key");
        await page.GetByTestId("save-key").ClickAsync();
        await Expect(status).ToHaveTextAsync("The key was refused.");
        await Expect(keyField).ToBeVisibleAsync();
        await Expect(page.GetByTestId("release")).ToHaveCountAsync(0);

        await keyField.FillAsync(Key);
        await page.GetByTestId("save-key").ClickAsync();
        await Expect(keyField).ToBeHiddenAsync();

        var card = page.GetByTestId("release");
        await Expect(card).ToHaveCountAsync(1);
        await Expect(card.Locator("h2")).ToHaveTextAsync(Release);
        await Expect(card.GetByTestId("phase")).ToHaveTextAsync("Progressing");
        await Expect(card.GetByTestId("weight")).ToHaveTextAsync("10%");

        // The charts fill in as the page polls, and show the traffic that is flowing.
        var rpsChart = card.GetByTestId("chart-rps").Locator("svg");
        var pointsBefore = await PointsAsync(rpsChart);
        await page.WaitForFunctionAsync(
            "before => Number(document.querySelector('[data-testid=chart-rps] svg')?.dataset.points) > before", pointsBefore,
            new() { Timeout = 10_000 });
        await page.WaitForFunctionAsync(
            "() => /v1 [0-9.]*[1-9]/.test(document.querySelector('[data-testid=chart-rps-now]')?.textContent ?? '')", null,
            new() { Timeout = 10_000 });
        var rates = Rates(await card.GetByTestId("chart-rps-now").TextContentAsync());
        Assert.True(rates.GetValueOrDefault("v1") > 0, $"requests/s shows {string.Join(", ", rates)}");
        Assert.True(_traffic.Succeeded > 0, "no traffic reached the router");
        await Expect(card.GetByTestId("chart-rps").Locator("polyline")).ToHaveCountAsync(2);

        // One scale for both versions: the stable, serving several times the canary's rate, is drawn higher.
        var snapshot = await (await page.WaitForFunctionAsync("""
            () => {
              const chart = document.querySelector('[data-testid=chart-rps]');
              const text = chart.querySelector('[data-testid=chart-rps-now]').textContent;
              const rate = v => Number((text.match(new RegExp(v + ' ([0-9.]+)')) || [])[1] || 0);
              const lastY = stroke => Number(chart.querySelector(`polyline[stroke="${stroke}"]`)
                .getAttribute('points').trim().split(' ').pop().split(',')[1]);
              return rate('v2') > 0 && rate('v1') > 2 * rate('v2')
                && { text, stable: lastY('var(--stable)'), canary: lastY('var(--canary)') };
            }
            """, null, new() { Timeout = 10_000 })).JsonValueAsync<ChartSnapshot>();
        Assert.True(snapshot.Stable + 1 < snapshot.Canary,
            $"requests/s '{snapshot.Text}' is drawn with v1's last point at y={snapshot.Stable} and v2's at y={snapshot.Canary}: " +
            "the lines do not share a scale");

        // Move the slider to 30 as a mouse drag ends: input events while moving, change when released.
        var slider = card.GetByTestId("weight-slider");
        var rollbackAt = (await card.GetByTestId("rollback").BoundingBoxAsync())!.X;
        await Expect(slider).ToBeEnabledAsync();
        await slider.EvaluateAsync("""
            (el, value) => {
              el.value = value;
              el.dispatchEvent(new Event('input', { bubbles: true }));
              el.dispatchEvent(new Event('change', { bubbles: true }));
            }
            """, 30);

        await Expect(card.GetByTestId("events")).ToContainTextAsync("operator set the weight to 30%");
        await Expect(card.GetByTestId("weight")).ToHaveTextAsync("30%");
        await Expect(card.GetByTestId("error")).ToBeEmptyAsync();
        await Expect(keyField).ToBeHiddenAsync();
        var release = await GetJsonAsync($"/admin/releases/{Release}");
        Assert.Equal(30, release["weight"]!.GetValue<double>());
        Assert.Equal("Progressing", release["phase"]!.GetValue<string>());
        var events = (await GetJsonAsync($"/admin/releases/{Release}/events")).AsArray();
        var change = Assert.Single(events, e => e!["action"]!.GetValue<string>() == "weight");
        Assert.Equal("operator", change!["actor"]!.GetValue<string>());
        Assert.Equal(10, change["before"]!["weight"]!.GetValue<double>());
        Assert.Equal(30, change["after"]!["weight"]!.GetValue<double>());
        await Expect(slider).ToHaveValueAsync("30");

        // The canary now takes more of the traffic, and the chart keeps moving.
        var pointsAfterChange = await PointsAsync(rpsChart);
        await page.WaitForFunctionAsync(
            "before => Number(document.querySelector('[data-testid=chart-rps] svg')?.dataset.points) > before", pointsAfterChange,
            new() { Timeout = 10_000 });
        await Screenshots.TakeAsync(page, "dashboard");

        await card.GetByTestId("rollback").ClickAsync();

        await Expect(card.GetByTestId("phase")).ToHaveTextAsync("RolledBack");
        await Expect(card.GetByTestId("phase")).ToHaveClassAsync(new Regex(@"\bRolledBack\b"));
        await Expect(card.GetByTestId("weight")).ToHaveTextAsync("0%");

        // The buttons stay where they were whatever the weight's width ("0%", "30%", "100%"): no jumping targets.
        Assert.Equal(rollbackAt, (await card.GetByTestId("rollback").BoundingBoxAsync())!.X);
        await Expect(card.GetByTestId("events")).ToContainTextAsync("operator rolled back");
        await Expect(card.GetByTestId("error")).ToBeEmptyAsync();
        release = await GetJsonAsync($"/admin/releases/{Release}");
        Assert.Equal("RolledBack", release["phase"]!.GetValue<string>());
        Assert.Equal(0, release["weight"]!.GetValue<double>());
        await Screenshots.TakeAsync(page, "dashboard-rolled-back");

        Assert.Empty(pageErrors);
    }

    private static async Task<int> PointsAsync(ILocator svg) =>
        int.Parse(await svg.GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);

    /// <summary>"v1 4.2 v2 0.6" → {v1: 4.2, v2: 0.6}.</summary>
    private static Dictionary<string, double> Rates(string? text) =>
        RateText().Matches(text ?? "").ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_router.AdminAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private sealed class ChartSnapshot
    {
        public string Text { get; init; } = "";

        public double Stable { get; init; }

        public double Canary { get; init; }
    }

    [GeneratedRegex(@"(v\d+)\s+([0-9.]+)")]
    private static partial Regex RateText();
}
