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
/// Dashboard v2 in chromium while traffic flows: the steps bar with the time to the next step, the guard's evidence
/// against what it needs, each destination with drain/undrain, charts with axes, the decision-log timeline and preview
/// links; a viewer's key sees no button; the page works at 1280 px and at a phone's width.
/// </summary>
public sealed partial class DashboardPanelsTests : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string Operator = "panels-operator-key";
    private const string Viewer = "panels-viewer-key";

    private readonly Chromium _chromium;
    private readonly List<KestrelApp> _backends = [];
    private TestRouter _router = null!;
    private TrafficLoop _traffic = null!;

    public DashboardPanelsTests(Chromium chromium) => _chromium = chromium;

    public async Task InitializeAsync()
    {
        _backends.Add(await TestBackend.StartAsync("v1"));
        _backends.Add(await TestBackend.StartAsync("v2"));
        var keys = new AdminKey(null, [("deployer", AdminRole.Operator, Operator), ("oncall", AdminRole.Viewer, Viewer)]);
        _router = await TestRouter.StartAsync(10, [new RouteSpec("web", "/{**rest}", _backends[0].Destination, _backends[1].Destination)],
            new RouterHostOptions { AdminKey = keys }, edit: release =>
            {
                release["Steps"] = new JsonArray(Step(10, 3600), Step(50, 3600));
                release["Guard"] = new JsonObject { ["MinRequests"] = 1 };
            });
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
    public async Task Operator_At1280_SeesEveryPanelAndDrainsADestination()
    {
        await using var context = await _chromium.NewContextAsync();
        var (page, errors) = await OpenAsync(context, Operator);
        var card = page.GetByTestId("release");
        await Expect(page.GetByTestId("whoami")).ToHaveTextAsync("key deployer (operator)");

        // Steps: two blocks, the first current, and once the guard is healthy the time to the next step.
        var steps = card.GetByTestId("steps").Locator(".step");
        await Expect(steps).ToHaveCountAsync(2);
        await Expect(steps.Nth(0)).ToHaveClassAsync(new Regex(@"\bcurrent\b"));
        await Expect(steps.Nth(0)).ToHaveTextAsync("10%");
        await Expect(card.GetByTestId("step-next")).ToHaveTextAsync(new Regex(@"^step 1/2 · next step in \d+ s if the guard stays healthy$"), new() { Timeout = 20_000 });
        var seconds = int.Parse(NextStep().Match((await card.GetByTestId("step-next").TextContentAsync())!).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 3000, 3600);

        // The guard's evidence against what a rollback needs.
        await Expect(card.GetByTestId("meter-errors")).ToContainTextAsync(new Regex(@"of [0-9.e+]+ needed"));
        await Expect(card.GetByTestId("meter-slow")).ToBeVisibleAsync();

        // Charts with a value axis (with units) and a time axis.
        await Expect(card.GetByTestId("chart-err-axis").Locator("span")).ToHaveTextAsync(["5.0%", "2.5%", "0.0%"]);
        await Expect(card.GetByTestId("chart-rps").Locator(".xaxis")).ToContainTextAsync("now");
        var height = await page.EvaluateAsync<double>("() => document.querySelector('[data-testid=chart-rps] svg').getBoundingClientRect().height");
        Assert.True(height >= 120, $"the chart is {height} px high");

        // Destinations: each with its health and in-flight count; drain v2's, then undrain it.
        var rows = card.GetByTestId("destination");
        await Expect(rows).ToHaveCountAsync(2);
        var canaryRow = rows.Filter(new() { HasText = _backends[1].Destination });
        await Expect(canaryRow).ToContainTextAsync("taking requests");
        await Expect(canaryRow.GetByTestId("in-flight")).ToHaveTextAsync(new Regex(@"^\d+$"));

        // The page redraws every second; a button replaced between mouse-down and mouse-up would lose the click, so
        // the rows' buttons outlive a redraw (the charts, redrawn whole, show one has happened).
        var button = await canaryRow.GetByTestId("drain").ElementHandleAsync();
        var chart = await card.GetByTestId("chart-rps").ElementHandleAsync();
        await page.WaitForFunctionAsync("chart => !chart.isConnected", chart);
        Assert.True(await button.EvaluateAsync<bool>("b => b.isConnected"), "the drain button was replaced by a redraw");
        await canaryRow.GetByTestId("drain").ClickAsync();
        await Expect(canaryRow).ToContainTextAsync("draining");
        Assert.True((await DestinationAsync(_backends[1].Destination))["draining"]!.GetValue<bool>());
        await Expect(card.GetByTestId("events").Locator("li").First).ToContainTextAsync($"operator (deployer)drain: operator drained {_backends[1].Destination}");
        await canaryRow.GetByTestId("undrain").ClickAsync();
        await Expect(canaryRow).ToContainTextAsync("taking requests");
        Assert.False((await DestinationAsync(_backends[1].Destination))["draining"]!.GetValue<bool>());

        // A preview link for the canary, made from the page.
        await card.GetByTestId("create-preview").ClickAsync();
        await Expect(card.GetByTestId("preview-link")).ToHaveValueAsync(new Regex(Regex.Escape(_router.PublicAddress.ToString()) + @"canary/preview\?token=shop"));

        // The timeline: newest first, with the key's name.
        await Expect(card.GetByTestId("events").Locator("li").First).ToContainTextAsync("preview");
        await Expect(card.GetByTestId("events").Locator("li.operator")).ToHaveCountAsync(3);
        await Screenshots.TakeAsync(page, "dashboard-v2-1280");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Drain_PollAnsweredBeforeTheClick_NeverDrawnOverTheClicksResult()
    {
        await using var context = await _chromium.NewContextAsync();
        var (page, errors) = await OpenAsync(context, Operator);
        var card = page.GetByTestId("release");
        var canaryRow = card.GetByTestId("destination").Filter(new() { HasText = _backends[1].Destination });
        await Expect(canaryRow).ToContainTextAsync("taking requests");

        // Every text the row's state cell shows from here on, in order.
        await page.EvaluateAsync("""
            address => {
              const row = [...document.querySelectorAll('[data-testid=destination]')].find(r => r.dataset.key.endsWith(address));
              window.drawn = [row.cells[6].textContent];
              new MutationObserver(() => window.drawn.push(row.cells[6].textContent)).observe(row.cells[6], { childList: true, subtree: true, characterData: true });
            }
            """, _backends[1].Destination);

        // The next poll's answer, taken from the router before the click, reaches the page only after the drain's.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = 1;
        await page.RouteAsync("**/admin/releases", async route =>
        {
            var answer = await route.FetchAsync();
            if (Interlocked.Exchange(ref first, 0) == 1)
            {
                held.SetResult();
                await release.Task;
            }

            await route.FulfillAsync(new() { Response = answer });
        });
        await held.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var drained = page.WaitForResponseAsync(r => r.Url.EndsWith("/drain", StringComparison.Ordinal));
        await canaryRow.GetByTestId("drain").ClickAsync();
        Assert.Equal(200, (await drained).Status);
        // The held answer goes on once the page shows the drain, or after 2 s if it waits for the held answer first.
        try
        {
            await Expect(canaryRow).ToContainTextAsync("draining", new() { Timeout = 2000 });
        }
        catch (PlaywrightException)
        {
        }

        release.SetResult();

        await Expect(canaryRow).ToContainTextAsync("draining");
        await page.WaitForTimeoutAsync(1500); // a poll or two more
        var drawn = await page.EvaluateAsync<string[]>("() => window.drawn");
        var firstDraining = Array.IndexOf(drawn, "draining");
        Assert.True(drawn.Skip(firstDraining).All(text => text == "draining"), "the row went back after the drain: " + string.Join(" > ", drawn));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Operator_NoticeEditor_SchedulesAndClearsTheNotice()
    {
        await using var context = await _chromium.NewContextAsync();
        var (page, errors) = await OpenAsync(context, Operator);
        var card = page.GetByTestId("release");
        await Expect(card.GetByTestId("notice")).ToBeEmptyAsync();

        // Two hours from now in the browser's own time zone, as a datetime-local field holds it.
        var until = await page.EvaluateAsync<string>("""
            () => { const d = new Date(Date.now() + 2 * 3600e3); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); }
            """);
        await card.GetByTestId("notice-message").FillAsync("maintenance tonight 22:00 UTC");
        await card.GetByTestId("notice-until").FillAsync(until);
        await card.GetByTestId("set-notice").ClickAsync();
        await Expect(card.GetByTestId("notice")).ToContainTextAsync("Notice to users (showing now): maintenance tonight 22:00 UTC");
        var notice = (await ReleaseAsync())["notice"]!;
        Assert.Equal("maintenance tonight 22:00 UTC", notice["message"]!.GetValue<string>());
        Assert.True(notice["active"]!.GetValue<bool>());
        Assert.InRange(notice["until"]!.GetValue<DateTimeOffset>() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(115), TimeSpan.FromMinutes(121));
        await Expect(card.GetByTestId("events").Locator("li").First).ToContainTextAsync("operator (deployer)notice");

        // The router's refusal is shown on the card: an end before the start.
        await card.GetByTestId("notice-from").FillAsync(until);
        await card.GetByTestId("notice-until").FillAsync("2020-01-01T00:00");
        await card.GetByTestId("set-notice").ClickAsync();
        await Expect(card.GetByTestId("error")).Not.ToBeEmptyAsync();
        Assert.Equal("maintenance tonight 22:00 UTC", (await ReleaseAsync())["notice"]!["message"]!.GetValue<string>());

        await card.GetByTestId("clear-notice").ClickAsync();
        await Expect(card.GetByTestId("notice")).ToBeEmptyAsync();
        Assert.Null((await ReleaseAsync())["notice"]);
        await Expect(card.GetByTestId("events").Locator("li").First).ToContainTextAsync("notice-clear");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Viewer_SeesTheReleaseAndNoButton()
    {
        // A notice scheduled elsewhere: the viewer reads it and gets no editor.
        using (var client = OperatorClient())
        {
            using var put = await client.PutAsync(new Uri(_router.AdminAddress, "/admin/releases/shop/notice"), new StringContent(
                new JsonObject { ["message"] = "read-only here", ["until"] = DateTimeOffset.UtcNow.AddHours(1) }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            put.EnsureSuccessStatusCode();
        }

        await using var context = await _chromium.NewContextAsync();
        var (page, errors) = await OpenAsync(context, Viewer);
        var card = page.GetByTestId("release");

        await Expect(page.GetByTestId("whoami")).ToHaveTextAsync("key oncall (viewer)");
        await Expect(card.GetByTestId("destination")).ToHaveCountAsync(2);
        await Expect(card.GetByTestId("steps").Locator(".step")).ToHaveCountAsync(2);
        await Expect(card.Locator("button:visible")).ToHaveCountAsync(0);
        await Expect(card.GetByTestId("weight-slider")).ToBeHiddenAsync();
        await Expect(card.GetByTestId("preview-link")).ToBeHiddenAsync();
        await Expect(card.GetByTestId("notice")).ToContainTextAsync("read-only here");
        await Expect(card.GetByTestId("notice-editor")).ToBeHiddenAsync();
        await Expect(card.GetByTestId("weight")).ToHaveTextAsync("10%");
        await Screenshots.TakeAsync(page, "dashboard-v2-viewer");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task PhoneWidth_NothingWiderThanTheScreen_ChartsStacked_ButtonsUsable()
    {
        await using var context = await _chromium.NewContextAsync();
        var (page, errors) = await OpenAsync(context, Operator, new ViewportSize { Width = 390, Height = 844 });
        var card = page.GetByTestId("release");
        await Expect(card.GetByTestId("destination")).ToHaveCountAsync(2);

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the screen");
        // Read in one go: the charts are redrawn every second.
        var boxes = await page.EvaluateAsync<double[]>("""
            () => ['rps', 'err'].flatMap(m => {
              const r = document.querySelector(`[data-testid=chart-${m}]`).getBoundingClientRect();
              return [r.left, r.top, r.right, r.bottom];
            })
            """);
        Assert.Equal(boxes[0], boxes[4]);
        Assert.True(boxes[5] >= boxes[3], "the charts are stacked");
        Assert.True(boxes[2] <= 390, $"the chart ends at {boxes[2]}");

        // Buttons still work: drain the stable destination from the phone, then undrain it.
        var stableRow = card.GetByTestId("destination").Filter(new() { HasText = _backends[0].Destination });
        await stableRow.GetByTestId("drain").ClickAsync();
        await Expect(stableRow).ToContainTextAsync("draining");
        await stableRow.GetByTestId("undrain").ClickAsync();
        await Expect(stableRow).ToContainTextAsync("taking requests");
        // Wholly on the screen once scrolled to: not cut off at the right.
        var promote = card.GetByTestId("promote");
        await promote.ScrollIntoViewIfNeededAsync();
        await Expect(promote).ToBeInViewportAsync(new() { Ratio = 1 });
        await Screenshots.TakeAsync(page, "dashboard-v2-phone");
        Assert.Empty(errors);
    }

    private static JsonObject Step(double weight, int hold) => new() { ["Weight"] = weight, ["HoldSeconds"] = hold };

    private async Task<(IPage Page, List<string> Errors)> OpenAsync(IBrowserContext context, string key, ViewportSize? viewport = null)
    {
        var page = await context.NewPageAsync();
        if (viewport is not null)
        {
            await page.SetViewportSizeAsync(viewport.Width, viewport.Height);
        }

        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(_router.AdminAddress.ToString());
        await page.GetByTestId("admin-key").FillAsync(key);
        await page.GetByTestId("save-key").ClickAsync();
        await Expect(page.GetByTestId("release")).ToHaveCountAsync(1);
        return (page, errors);
    }

    private static HttpClient OperatorClient()
    {
        var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Operator);
        return client;
    }

    private async Task<JsonNode> ReleaseAsync()
    {
        using var client = OperatorClient();
        return JsonNode.Parse(await client.GetStringAsync(new Uri(_router.AdminAddress, "/admin/releases/shop")))!;
    }

    private async Task<JsonObject> DestinationAsync(string address)
    {
        var release = await ReleaseAsync();
        return release["routes"]![0]!["versions"]!.AsObject().SelectMany(v => v.Value!.AsArray()).OfType<JsonObject>()
            .Single(d => d["address"]!.GetValue<string>().TrimEnd('/') == address.TrimEnd('/'));
    }

    [GeneratedRegex(@"in (\d+) s")]
    private static partial Regex NextStep();
}
