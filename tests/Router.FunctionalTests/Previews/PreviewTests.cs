using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Admin;
using Canary.Router.Routing;

namespace Canary.Router.FunctionalTests.Previews;

/// <summary>
/// Signed preview links against the real router: an operator's link routes the browser holding its cookie to the
/// version, ahead of segments and the weight; a forged, tampered or expired link or cookie is ignored.
/// </summary>
public sealed class PreviewTests : IAsyncLifetime
{
    private const string User = "user-preview-1";
    private AdminRig? _rig;

    private AdminRig Rig => _rig!;

    public async Task InitializeAsync() => _rig = await AdminRig.StartAsync(weight: 0);

    public async Task DisposeAsync() => await _rig!.DisposeAsync();

    [Fact]
    public async Task Link_Opened_CookieRoutesThatBrowserToTheVersionOnly()
    {
        var link = await CreateAsync("v2", 600);
        Assert.Equal("shop", link["release"]!.GetValue<string>());
        var url = new Uri(link["url"]!.GetValue<string>());
        Assert.Equal(Rig.Host.PublicAddress.Authority, url.Authority);
        Assert.Equal(url.PathAndQuery, link["path"]!.GetValue<string>());

        using var opened = await Rig.Client.GetAsync(new Uri(url + "&to=/api/cart"));
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal("/api/cart", opened.Headers.Location!.ToString());
        Assert.Equal("no-store", opened.Headers.CacheControl!.ToString());
        var cookie = (await RouterRig.ReadAsync(opened)).SetCookie(PreviewLinks.CookieName)!;
        Assert.True(cookie.HttpOnly);
        Assert.Equal("/", cookie.Path.Value);
        Assert.Equal(DateTimeOffset.Parse(link["expires"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), cookie.Expires);

        var header = $"{PreviewLinks.CookieName}={cookie.Value}";
        Assert.Equal("v2", (await GetAsync(header)).CanaryVersion);
        Assert.Equal("v1", (await GetAsync(null)).CanaryVersion);

        // Ahead of segments: a preview of v1 wins over the beta segment's v2.
        var stable = await OpenAsync(await CreateAsync("v1", 600));
        Assert.Equal("v1", (await GetAsync($"{PreviewLinks.CookieName}={stable}", ("X-Beta", "true"))).CanaryVersion);
        Assert.Equal("v2", (await GetAsync(null, ("X-Beta", "true"))).CanaryVersion);

        // The decision log says who made links, never the token.
        var made = (await Rig.EventsAsync()).OfType<JsonObject>().Where(e => e["action"]!.GetValue<string>() == "preview").ToList();
        Assert.Equal(2, made.Count);
        Assert.All(made, e => Assert.Equal("default", e["key"]!.GetValue<string>()));
        Assert.DoesNotContain(cookie.Value.ToString(), await File.ReadAllTextAsync(Path.Combine(Rig.Folder, "router.state.json.events.jsonl")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedOrExpired_LinkRefusedAndCookieIgnored()
    {
        var token = Uri.UnescapeDataString((await CreateAsync("v2", 600))["path"]!.GetValue<string>().Split("token=")[1]);
        var parts = token.Split('~');
        var expired = Rig.Host.Core.Previews.Create("shop", "v2", DateTimeOffset.UtcNow.AddSeconds(-1));
        var forged = new[]
        {
            $"shop~v2~{long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + 3600}~{parts[3]}", // a later expiry
            $"other~v2~{parts[2]}~{parts[3]}", // another release
            $"{parts[0]}~{parts[1]}~{parts[2]}~{new string('A', parts[3].Length)}", // a made-up signature
            "shop~v2~99999999999", // no signature
            expired,
        };

        foreach (var bad in forged)
        {
            using var opened = await Rig.Client.GetAsync(new Uri(Rig.Host.PublicAddress, "/canary/preview?token=" + Uri.EscapeDataString(bad)));
            Assert.Equal(HttpStatusCode.Forbidden, opened.StatusCode);
            Assert.Null((await RouterRig.ReadAsync(opened)).SetCookie(PreviewLinks.CookieName));
            Assert.Equal("v1", (await GetAsync($"{PreviewLinks.CookieName}={bad}")).CanaryVersion);
        }

        Assert.Equal("v2", (await GetAsync($"{PreviewLinks.CookieName}={token}")).CanaryVersion);
    }

    [Fact]
    public async Task LinkToAnotherSite_RedirectsHome()
    {
        var link = await CreateAsync("v2", 600);
        foreach (var to in new[] { "//evil.example/", "https://evil.example/", "/\\evil.example" })
        {
            using var opened = await Rig.Client.GetAsync(new Uri(link["url"]!.GetValue<string>() + "&to=" + Uri.EscapeDataString(to)));
            Assert.Equal("/", opened.Headers.Location!.ToString());
        }
    }

    [Fact]
    public async Task BadRequest_EveryFieldNamed()
    {
        using var bad = await Rig.SendAdminAsync(HttpMethod.Post, AdminRig.ReleasePath + "/previews", AdminRig.Json("""{"version": "v9", "expiresIn": 5}"""));
        using var missing = await Rig.SendAdminAsync(HttpMethod.Post, AdminRig.ReleasePath + "/previews", AdminRig.Json("{}"));
        using var unknown = await Rig.SendAdminAsync(HttpMethod.Post, "/admin/releases/nope/previews", AdminRig.Json("""{"version": "v2", "expiresIn": 600}"""));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Contains("not a version of release 'shop' (versions: v1, v2)", errors["version"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(errors["expiresIn"]);
        Assert.Equal(2, JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["errors"]!.AsObject().Count);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private async Task<JsonObject> CreateAsync(string version, int seconds)
    {
        using var response = await Rig.SendAdminAsync(HttpMethod.Post, AdminRig.ReleasePath + "/previews",
            AdminRig.Json(new JsonObject { ["version"] = version, ["expiresIn"] = seconds }.ToJsonString()));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<string> OpenAsync(JsonObject link)
    {
        using var opened = await Rig.Client.GetAsync(new Uri(link["url"]!.GetValue<string>()));
        return (await RouterRig.ReadAsync(opened)).SetCookie(PreviewLinks.CookieName)!.Value.ToString();
    }

    private async Task<ProxyReply> GetAsync(string? cookie, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Rig.Host.PublicAddress, "/api/cart"));
        request.Headers.Add("X-User-Id", User);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await Rig.Client.SendAsync(request);
        return await RouterRig.ReadAsync(response);
    }
}
