using Canary.Router.Configuration;
using CsCheck;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Canary.Router.Tests.Configuration;

public sealed class RouteTemplateTests
{
    [Theory]
    [InlineData("/api/{**rest}", true)]
    [InlineData("/{id:int}/orders/{page=1}", true)]
    [InlineData("/files/{name}.{ext?}", true)]
    [InlineData("/{{literal}}/{x:regex(^a{{2}}$)}", true)]
    [InlineData("/api/{**rest}/{x}", false)]
    [InlineData("/api//x", false)]
    [InlineData("/a/{x}{y}", false)]
    [InlineData("/a/{x}-{y?}", false)]
    [InlineData("/a/{x}/{X}", false)]
    [InlineData("/a?b", false)]
    [InlineData("/{*x?}", false)]
    [InlineData("/{x=1?}", false)]
    [InlineData("~x", false)]
    public void IsValid_KnownTemplates_AsAspNetCoreDecides(string template, bool valid)
    {
        Assert.Equal(valid, RouteTemplate.IsValid(template));
        Assert.Equal(valid, AspNetCoreAccepts(template));
    }

    [Fact]
    public void IsValid_GeneratedTemplates_AgreesWithRoutePatternFactory()
    {
        // Templates over the characters the parser gives meaning to, so most of them probe an edge of its grammar.
        Gen.String[Gen.Char["/{}?*:=().~-a"], 0, 14]
            .Sample(template => Assert.True(RouteTemplate.IsValid(template) == AspNetCoreAccepts(template),
                $"'{template}': ASP.NET Core {(AspNetCoreAccepts(template) ? "accepts" : "refuses")} it"), iter: 200_000);
    }

    private static bool AspNetCoreAccepts(string template)
    {
        try
        {
            RoutePatternFactory.Parse(template);
            return true;
        }
        catch (RoutePatternException)
        {
            return false;
        }
    }
}
