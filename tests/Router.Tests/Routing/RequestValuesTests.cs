using System.Security.Claims;
using Canary.Router.Configuration;
using Canary.Router.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Canary.Router.Tests.Routing;

public sealed class RequestValuesTests
{
    private static readonly UserKeySource[] UserKey =
    [
        new(RequestValueKind.Claim, "sub"),
        new(RequestValueKind.Header, "X-User-Id"),
        new(RequestValueKind.Cookie, "uid"),
        new(RequestValueKind.Query, "user"),
    ];

    [Fact]
    public void FirstOf_AllPresent_FirstSourceWins()
    {
        var context = Context(claim: "from-claim", header: "from-header", cookie: "from-cookie", query: "from-query");

        Assert.Equal("from-claim", RequestValues.FirstOf(context, UserKey));
    }

    [Fact]
    public void FirstOf_EarlierSourcesAbsent_NextPresentWins()
    {
        Assert.Equal("from-header", RequestValues.FirstOf(Context(header: "from-header", cookie: "c", query: "q"), UserKey));
        Assert.Equal("from-cookie", RequestValues.FirstOf(Context(cookie: "from-cookie", query: "q"), UserKey));
        Assert.Equal("from-query", RequestValues.FirstOf(Context(query: "from-query"), UserKey));
    }

    [Fact]
    public void FirstOf_EmptyValues_CountAsAbsent()
    {
        var context = Context(claim: "", header: "", cookie: "", query: "from-query");

        Assert.Equal("from-query", RequestValues.FirstOf(context, UserKey));
    }

    [Fact]
    public void FirstOf_NothingPresent_Null() =>
        Assert.Null(RequestValues.FirstOf(new DefaultHttpContext(), UserKey));

    [Fact]
    public void First_HeaderWithSeveralValues_FirstNonEmpty()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-User-Id"] = new StringValues(["", "alice", "bob"]);

        Assert.Equal("alice", RequestValues.First(context, new UserKeySource(RequestValueKind.Header, "X-User-Id")));
    }

    [Fact]
    public void First_HeaderNameAnyCase_Found()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["x-user-id"] = "alice";

        Assert.Equal("alice", RequestValues.First(context, new UserKeySource(RequestValueKind.Header, "X-User-Id")));
    }

    private static DefaultHttpContext Context(string? claim = null, string? header = null, string? cookie = null, string? query = null)
    {
        var context = new DefaultHttpContext();
        if (claim is not null)
        {
            context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", claim)], "test"));
        }

        if (header is not null)
        {
            context.Request.Headers["X-User-Id"] = header;
        }

        if (cookie is not null)
        {
            context.Request.Headers.Cookie = "uid=" + cookie;
        }

        if (query is not null)
        {
            context.Request.QueryString = QueryString.Create("user", query);
        }

        return context;
    }
}
