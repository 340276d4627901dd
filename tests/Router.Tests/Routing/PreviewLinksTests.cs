using Canary.Router.Routing;
using Canary.Router.State;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Canary.Router.Tests.Routing;

/// <summary>Preview tokens: signed with the router's key, valid until they expire, checked ahead of segments.</summary>
public sealed class PreviewLinksTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 2, 0, 0, TimeSpan.Zero);
    private readonly PreviewLinks _links = new(Key);

    private static ReleaseState State => new()
    {
        Name = "shop.eu",
        Stable = "v1",
        Canary = "v2",
        Segments = [new Canary.Router.Configuration.SegmentOptions { Name = "staff", Source = new(Canary.Router.Configuration.RequestValueKind.Header, "X-Staff"), Values = ["1"], Version = "v1" }],
    };

    [Fact]
    public void TryRead_TokenItMade_ReleaseVersionAndExpiryUntilItExpires()
    {
        var token = _links.Create("shop.eu", "v2.1", Now.AddMinutes(10));

        Assert.True(_links.TryRead(token, Now, out var release, out var version, out var expires));
        Assert.Equal("shop.eu", token[release]);
        Assert.Equal("v2.1", token[version]);
        Assert.Equal(Now.AddMinutes(10), expires);
        Assert.True(_links.TryRead(token, Now.AddMinutes(10).AddTicks(-1), out _, out _, out _));
        Assert.False(_links.TryRead(token, Now.AddMinutes(10), out _, out _, out _));
    }

    [Fact]
    public void TryRead_AnyCharacterChangedOrAnotherKey_Refused()
    {
        var token = _links.Create("shop", "v2", Now.AddMinutes(10));
        for (var i = 0; i < token.Length; i++)
        {
            var changed = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.False(_links.TryRead(changed, Now, out _, out _, out _), changed);
        }

        Assert.False(new PreviewLinks([.. Key.Reverse()]).TryRead(token, Now, out _, out _, out _));
        Assert.False(_links.TryRead(new AnonymousId(Key).Create(), Now, out _, out _, out _));
        Assert.False(_links.TryRead("", Now, out _, out _, out _));
    }

    [Fact]
    public void Decide_PreviewCookie_AheadOfSegmentsForItsReleaseOnly()
    {
        var time = new FakeTimeProvider(Now);
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = $"{PreviewLinks.CookieName}={_links.Create("shop.eu", "v2", Now.AddMinutes(1))}";
        context.Request.Headers["X-Staff"] = "1";

        Assert.Equal(new CohortDecision("v2", CohortReason.Preview), CohortDecider.Decide(State, context, "alice", _links, time));
        Assert.Equal(CohortReason.Segment, CohortDecider.Decide(State with { Name = "shop" }, context, "alice", _links, time).Reason);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(CohortReason.Segment, CohortDecider.Decide(State, context, "alice", _links, time).Reason);
    }
}
