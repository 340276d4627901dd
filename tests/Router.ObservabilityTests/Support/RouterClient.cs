using System.Net;

namespace Canary.Router.ObservabilityTests.Support;

/// <summary>What a client saw of one request through the router.</summary>
internal sealed record Answer(HttpStatusCode Status, string? Version, string Body);

/// <summary>An end user's HTTP client to the router's public address (no redirects followed, no cookies kept), and the admin scrape.</summary>
internal sealed class RouterClient : IDisposable
{
    private readonly HttpClient _public;
    private readonly HttpClient _admin;

    public RouterClient(RouterLauncher router)
    {
        _public = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = router.PublicAddress };
        _admin = new HttpClient { BaseAddress = router.AdminAddress };
    }

    public async Task<Answer> SendAsync(HttpMethod method, string path, string? userKey, string? body = null, bool beta = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (userKey is not null)
        {
            request.Headers.Add("X-User-Id", userKey);
        }

        if (beta)
        {
            request.Headers.Add("X-Beta", "true");
        }

        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        using var response = await _public.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var version = response.Headers.TryGetValues("X-Canary-Version", out var values) ? values.Single() : null;
        return new Answer(response.StatusCode, version, text);
    }

    public Task<Answer> GetAsync(string path, string? userKey) => SendAsync(HttpMethod.Get, path, userKey);

    public Task<string> ScrapeTextAsync() => _admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    public async Task<PrometheusText> ScrapeAsync() => PrometheusText.Parse(await ScrapeTextAsync());

    /// <summary>
    /// Scrapes until the sum of <c>canary_requests_total</c> reaches <paramref name="expected"/> (the router records a
    /// request after its response went out, so the last few may land a moment after the client has them), then returns
    /// that scrape; the caller asserts on it, so a shortfall after the bounded wait still fails with the figures.
    /// </summary>
    public async Task<PrometheusText> ScrapeWhenCountedAsync(int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (scrape.Named("canary_requests_total").Sum(s => s.Value) >= expected || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        _public.Dispose();
        _admin.Dispose();
    }
}
