using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;
using Canary.Router.FunctionalTests.Guard;

namespace Canary.Cli.Tests.Commands;

/// <summary><c>canary notice</c> and <c>canary preview</c> against a real router.</summary>
public sealed class UserCommandsTests
{
    [Fact]
    public async Task NoticeSetThenClear_TheRoutersStateAndItsPublicNotice()
    {
        await using var shop = await ShopRouter.StartAsync();

        var set = await shop.RunAsync("notice", "set", "shop", "--message", "Maintenance tonight", "--until", "2h", "-o", "json");
        var human = await shop.RunAsync("notice", "set", "shop", "--message", "Maintenance tonight 22:00 UTC", "--from", "-1", "--until", "2099-01-01T00:00:00Z");

        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal("Maintenance tonight", set.Json["notice"].Text("message"));
        Assert.True(set.Json["notice"]!["active"]!.GetValue<bool>());
        var until = DateTimeOffset.Parse(set.Json["notice"].Text("until"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(until - DateTimeOffset.UtcNow, TimeSpan.FromHours(1.9), TimeSpan.FromHours(2));
        Assert.Equal(ExitCodes.Usage, human.ExitCode);
        Assert.Contains("'-1' is neither a time", human.Error, StringComparison.Ordinal);

        var served = JsonNode.Parse(await shop.Router.Client.GetStringAsync(new Uri(shop.Router.Host.PublicAddress, "/canary/notice")))!["notices"]!.AsArray();
        Assert.Equal("Maintenance tonight", Assert.Single(served).Text("message"));

        var clear = await shop.RunAsync("notice", "clear", "shop");
        var again = await shop.RunAsync("notice", "clear", "shop");

        Assert.True(clear.ExitCode == 0, clear.ToString());
        Assert.StartsWith("notice cleared: shop:", clear.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, again.ExitCode);
        Assert.Empty(JsonNode.Parse(await shop.Router.Client.GetStringAsync(new Uri(shop.Router.Host.PublicAddress, "/canary/notice")))!["notices"]!.AsArray());
        Assert.Equal(["notice", "notice-clear"], (await shop.Router.EventsAsync()).Objects().Where(e => e.Text("actor") == "operator").Select(e => e.Text("action")));
    }

    [Fact]
    public async Task Preview_PrintsALinkThatRoutesItsBrowserToTheVersion()
    {
        await using var shop = await ShopRouter.StartAsync(r => r["Weight"] = 0);

        var human = await shop.RunAsync("preview", "shop", "v2", "--expires", "30m");
        var json = await shop.RunAsync("preview", "shop", "v2", "-o", "json", "--public-url", "https://shop.example");
        var unknown = await shop.RunAsync("preview", "shop", "v9");

        Assert.True(human.ExitCode == 0, human.ToString());
        var link = new Uri(human.Out.Trim());
        Assert.Equal(shop.Router.Host.PublicAddress.Authority, link.Authority);
        Assert.StartsWith("https://shop.example/canary/preview?token=", json.Json.Text("url"), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, unknown.ExitCode);
        Assert.Contains("'v9' is not a version of release 'shop'", unknown.Error, StringComparison.Ordinal);

        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var browser = new HttpClient(handler);
        using var opened = await browser.GetAsync(link);
        var cookie = opened.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("canary_preview=", StringComparison.Ordinal)).Split(';')[0];
        var previewed = await shop.Router.GetAsync("/api/x", "anyone", ("Cookie", cookie));
        Assert.Equal("v2", previewed.CanaryVersion);
        Assert.Equal("v1", (await shop.Router.GetAsync("/api/x", "anyone")).CanaryVersion);
    }
}
