using System.Collections.Concurrent;
using Canary.Router.ObservabilityTests.Support;

namespace Canary.Router.ObservabilityTests;

/// <summary>One request of the mix and what the client saw.</summary>
internal sealed record Sent(string Route, string Method, string Path, string User, Answer Answer);

/// <summary>
/// Four real backends and the router at weight 50, driven once with a known mix: 120 users on both routes, GET and
/// POST, answers of every status class (a share of 500s on two backends, /fail, /missing, /moved paths). The tests
/// of <see cref="RequestCounterTests"/> compare the router's scrape taken afterwards with what was sent and served.
/// </summary>
public sealed class MixedTraffic : IAsyncLifetime
{
    public const double Weight = 50;
    public const string UserPrefix = "obs-user-7c1f-";
    public const string PathMarker = "item-91d3";

    internal Backends Backends { get; private set; } = null!;

    internal RouterLauncher Router { get; private set; } = null!;

    internal IReadOnlyList<Sent> Requests { get; private set; } = [];

    internal PrometheusText Scrape { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backends = await Backends.StartAsync();
        Backends["api", "v2"].FailFraction = 0.1;
        Backends["web", "v1"].FailFraction = 0.05;
        Router = await RouterLauncher.StartAsync(new RouterSetup { Routes = Backends.Routes(), Weight = Weight });
        using var client = new RouterClient(Router);

        var plan = new List<(string Route, HttpMethod Method, string Path, string User, string? Body)>();
        for (var i = 0; i < 120; i++)
        {
            var user = UserPrefix + i;
            plan.Add(("api", HttpMethod.Get, $"/api/items/{PathMarker}-{i}", user, null));
            plan.Add(("web", HttpMethod.Get, $"/catalog/{PathMarker}-{i}", user, null));
            if (i % 3 == 0)
            {
                plan.Add(("api", HttpMethod.Post, $"/api/orders/{PathMarker}-{i}", user, $"{{\"item\":{i}}}"));
            }

            if (i % 5 == 0)
            {
                plan.Add(("api", HttpMethod.Get, $"/api/fail/{PathMarker}-{i}", user, null));
            }

            if (i % 7 == 0)
            {
                plan.Add(("web", HttpMethod.Get, $"/missing/{PathMarker}-{i}", user, null));
            }

            if (i % 11 == 0)
            {
                plan.Add(("api", HttpMethod.Get, $"/api/moved/{PathMarker}-{i}", user, null));
            }
        }

        var sent = new ConcurrentBag<Sent>();
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, _) =>
            sent.Add(new Sent(r.Route, r.Method.Method, r.Path, r.User, await client.SendAsync(r.Method, r.Path, r.User, r.Body))));
        Requests = [.. sent];
        Scrape = await client.ScrapeWhenCountedAsync(Requests.Count);
    }

    public async Task DisposeAsync()
    {
        if (Router is not null)
        {
            await Router.DisposeAsync();
        }

        if (Backends is not null)
        {
            await Backends.DisposeAsync();
        }
    }
}
