using System.Net;
using Canary.Router.ObservabilityTests.Support;

namespace Canary.Router.ObservabilityTests;

/// <summary>
/// A version whose port is closed: the refused attempt counts as <c>code="error"</c> on that version; an idempotent
/// request to the canary is then sent once to stable and counted there (never stable to the canary); a POST is not retried.
/// </summary>
public sealed class RetryCounterTests
{
    [Fact]
    public async Task RequestsTotal_GetToClosedCanary_ErrorOnCanaryAndSuccessOnStable()
    {
        const string closed = "v2", other = "v1";
        await using var backends = await Backends.StartAsync();
        var replace = new Dictionary<(string, string), Uri> { [("api", closed)] = Ports.ClosedAddress() };
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes(replace), Weight = 50 });
        using var client = new RouterClient(router);
        var users = UserKeys.On(closed, 50, 5, "retry-get-");

        foreach (var user in users)
        {
            var answer = await client.GetAsync("/api/items/1", user);
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal(other, answer.Version);
            Assert.Equal($"api-{other}", answer.Body);
        }

        var scrape = await client.ScrapeWhenCountedAsync(2 * users.Count);
        Assert.Equal(users.Count, scrape.Value("canary_requests_total", ("release", "shop"), ("route", "api"), ("version", closed), ("code", "error")));
        Assert.Equal(users.Count, scrape.Value("canary_requests_total", ("release", "shop"), ("route", "api"), ("version", other), ("code", "2xx")));
        Assert.Equal(2 * users.Count, scrape.Named("canary_requests_total").Sum(s => s.Value));
        Assert.Equal(users.Count, backends["api", other].Total);
    }

    [Fact]
    public async Task RequestsTotal_GetToClosedStable_OneErrorAndCanaryNeverAsked()
    {
        await using var backends = await Backends.StartAsync();
        var replace = new Dictionary<(string, string), Uri> { [("api", "v1")] = Ports.ClosedAddress() };
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes(replace), Weight = 50 });
        using var client = new RouterClient(router);
        var user = UserKeys.On("v1", 50, 1, "retry-stable-")[0];

        var answer = await client.GetAsync("/api/items/1", user);

        Assert.Equal(HttpStatusCode.BadGateway, answer.Status);
        Assert.Equal("v1", answer.Version);
        var scrape = await client.ScrapeWhenCountedAsync(1);
        Assert.Equal(1, scrape.Value("canary_requests_total", ("release", "shop"), ("route", "api"), ("version", "v1"), ("code", "error")));
        Assert.Equal(1, scrape.Named("canary_requests_total").Sum(s => s.Value));
        Assert.Equal(0, backends["api", "v2"].Total);
    }

    [Theory]
    [InlineData("v2", "v1")]
    [InlineData("v1", "v2")]
    public async Task RequestsTotal_PostToClosedVersion_OneErrorAndNoRetry(string closed, string other)
    {
        await using var backends = await Backends.StartAsync();
        var replace = new Dictionary<(string, string), Uri> { [("api", closed)] = Ports.ClosedAddress() };
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes(replace), Weight = 50 });
        using var client = new RouterClient(router);
        var user = UserKeys.On(closed, 50, 1, "retry-post-")[0];

        var answer = await client.SendAsync(HttpMethod.Post, "/api/orders", user, "{\"item\":1}");

        Assert.Equal(HttpStatusCode.BadGateway, answer.Status);
        Assert.Equal(closed, answer.Version);
        var scrape = await client.ScrapeWhenCountedAsync(1);
        Assert.Equal(1, scrape.Value("canary_requests_total", ("release", "shop"), ("route", "api"), ("version", closed), ("code", "error")));
        Assert.Equal(1, scrape.Named("canary_requests_total").Sum(s => s.Value));
        Assert.Equal(1, scrape.Value("canary_request_duration_seconds_count", ("release", "shop"), ("route", "api"), ("version", closed)));
        Assert.Equal(0, scrape.Value("canary_request_duration_seconds_count", ("release", "shop"), ("route", "api"), ("version", other)));
        Assert.Equal(0, backends["api", other].Total);
    }
}
