using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Canary.Browser.Tests.Infrastructure;
using Canary.Router.Admin;
using Canary.Router.Hosting;
using Canary.Router.Routing;

namespace Canary.Browser.Tests.Spa;

/// <summary>A signed preview link opened in chromium: that browser gets the canary everywhere at 0%, another does not.</summary>
public sealed class SpaPreviewTests(SampleFleet fleet) : IClassFixture<SampleFleet>
{
    private const string Key = "spa-preview-key";

    [Fact]
    public async Task PreviewLink_OpenedInBrowser_WholeSpaFromThePreviewedVersion()
    {
        await using var router = await TestRouter.StartAsync(0, fleet.Routes, new RouterHostOptions { AdminKey = new AdminKey(Key) });
        var link = await CreateLinkAsync(router);

        await using var previewing = await fleet.Chromium.NewContextAsync();
        var spa = await SpaPage.NewAsync(previewing);
        var response = await spa.Page.GotoAsync(link);
        Assert.Equal(200, response!.Status);
        Assert.Equal(router.PublicAddress.AbsoluteUri, spa.Page.Url);

        await spa.ExpectVersionsAsync("v2", "v2");
        await spa.AssertAssetsFromAsync("v2");
        spa.AssertEveryResponseFrom("v2");
        var cookie = Assert.Single(await previewing.CookiesAsync(), c => c.Name == PreviewLinks.CookieName);
        Assert.True(cookie.HttpOnly, "the preview cookie must be HttpOnly");
        await Screenshots.TakeAsync(spa.Page, "spa-preview");

        await using var other = await fleet.Chromium.NewContextAsync();
        var everyone = await SpaPage.NewAsync(other);
        await everyone.GotoAsync(router.PublicAddress, "v1");
        await everyone.ExpectVersionsAsync("v1", "v1");
    }

    private static async Task<string> CreateLinkAsync(TestRouter router)
    {
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var response = await client.PostAsync(new Uri(router.AdminAddress, "/admin/releases/shop/previews"),
            new StringContent("""{"version": "v2", "expiresIn": 600}""", Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!["url"]!.GetValue<string>();
    }
}
