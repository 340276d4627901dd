using System.Net;
using Canary.Router.Routing;
using Microsoft.Net.Http.Headers;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>Users without a key get a signed, HttpOnly cookie that pins their bucket.</summary>
public sealed class AnonymousUserTests(SharedRouterFixture fixture) : IClassFixture<SharedRouterFixture>
{
    private const double Weight = SharedRouterFixture.Weight;
    private readonly RouterRig _rig = fixture.Rig;

    [Fact]
    public async Task FirstVisit_SetsHttpOnlySignedCookie()
    {
        var reply = await _rig.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var cookie = reply.SetCookie(RouterRig.AnonymousCookie);
        Assert.NotNull(cookie);
        Assert.True(cookie.HttpOnly);
        Assert.Equal("/", cookie.Path.Value);
        Assert.Equal(SameSiteMode.Lax, cookie.SameSite);
        Assert.False(cookie.Secure);
        Assert.True(cookie.MaxAge > TimeSpan.FromDays(300), $"Max-Age {cookie.MaxAge}");
        Assert.Equal(2, cookie.Value.Value!.Split('.').Length);
    }

    [Fact]
    public async Task FirstVisit_VersionIsTheCookiesBucket()
    {
        // Over many first visits, each one is served by the version its new cookie's bucket names.
        for (var i = 0; i < 30; i++)
        {
            var reply = await _rig.GetAsync(i % 2 == 0 ? "/" : "/api/version");
            var id = AnonymousId.IdOf(reply.SetCookie(RouterRig.AnonymousCookie)!.Value.Value!);

            Assert.Equal(Cohorts.Expected(id, Weight), reply.CanaryVersion);
            Assert.Equal(reply.CanaryVersion, reply.Body!.Version);
        }
    }

    [Fact]
    public async Task CookieSentBack_SameVersionOnBothRoutesAndNoNewCookie()
    {
        for (var user = 0; user < 25; user++)
        {
            var first = await _rig.GetAsync("/");
            var value = first.SetCookie(RouterRig.AnonymousCookie)!.Value.Value!;
            var expected = Cohorts.Expected(AnonymousId.IdOf(value), Weight);
            Assert.Equal(expected, first.Body!.Version);

            for (var i = 0; i < 20; i++)
            {
                var reply = await _rig.GetAsync(i % 2 == 0 ? "/api/version" : "/app/page", cookie: $"{RouterRig.AnonymousCookie}={value}");

                Assert.Equal(expected, reply.CanaryVersion);
                Assert.Equal(expected, reply.Body!.Version);
                Assert.Empty(reply.SetCookies);
            }
        }
    }

    [Fact]
    public async Task TamperedCookie_IgnoredAndReplaced()
    {
        var first = await _rig.GetAsync("/");
        var value = first.SetCookie(RouterRig.AnonymousCookie)!.Value.Value!;
        foreach (var tampered in new[] { Flip(value, 0), Flip(value, value.Length - 2), value + "x", "garbage", "" })
        {
            var reply = await _rig.GetAsync("/api/version", cookie: $"{RouterRig.AnonymousCookie}={tampered}");

            var replaced = reply.SetCookie(RouterRig.AnonymousCookie);
            Assert.NotNull(replaced);
            Assert.NotEqual(tampered, replaced.Value.Value);
            Assert.NotEqual(value, replaced.Value.Value);
            Assert.True(replaced.HttpOnly);
            Assert.Equal(Cohorts.Expected(AnonymousId.IdOf(replaced.Value.Value!), Weight), reply.CanaryVersion);

            // The replacement is itself accepted.
            var next = await _rig.GetAsync("/", cookie: $"{RouterRig.AnonymousCookie}={replaced.Value.Value}");
            Assert.Empty(next.SetCookies);
            Assert.Equal(reply.CanaryVersion, next.CanaryVersion);
        }
    }

    [Fact]
    public async Task TamperedCookie_CannotPickTheCanary()
    {
        // A user who forges an id whose bucket is on the canary is not believed: their cookie is replaced.
        var forgedId = Enumerable.Range(0, 100_000)
            .Select(i => "AAAAAAAAAAAAAAAA" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture))
            .First(id => Cohorts.Expected(id, Weight) == "v2");
        var first = await _rig.GetAsync("/");
        var signature = first.SetCookie(RouterRig.AnonymousCookie)!.Value.Value!.Split('.')[1];

        var reply = await _rig.GetAsync("/", cookie: $"{RouterRig.AnonymousCookie}={forgedId}.{signature}");

        var replaced = reply.SetCookie(RouterRig.AnonymousCookie);
        Assert.NotNull(replaced);
        Assert.NotEqual(forgedId, AnonymousId.IdOf(replaced.Value.Value!));
    }

    [Fact]
    public async Task OtherCookies_Untouched()
    {
        var first = await _rig.GetAsync("/");
        var value = first.SetCookie(RouterRig.AnonymousCookie)!.Value.Value!;

        var reply = await _rig.GetAsync("/", cookie: $"theme=dark; {RouterRig.AnonymousCookie}={value}; lang=en");

        Assert.Empty(reply.SetCookies);
        Assert.Equal(first.CanaryVersion, reply.CanaryVersion);
    }

    private static string Flip(string text, int index)
    {
        var chars = text.ToCharArray();
        chars[index] = chars[index] == 'A' ? 'B' : 'A';
        return new string(chars);
    }
}
