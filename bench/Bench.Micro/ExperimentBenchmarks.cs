using BenchmarkDotNet.Attributes;
using Canary.Router.Configuration;
using Canary.Router.Experiments;
using Canary.Router.Metrics;
using Canary.Router.Routing;
using Canary.Router.State;
using Microsoft.AspNetCore.Http;

namespace Canary.Bench;

/// <summary>
/// What experiments add to a proxied request: the exposure (the user's hash into their version's HyperLogLog) at
/// the cohort decision, and request-goal matching when the response is recorded. Goals: under 50 ns and 0 B for a
/// request that matches no goal. Baseline: the cohort decision itself, as <see cref="DecisionBenchmarks"/> measures it.
/// </summary>
[MemoryDiagnoser]
public class ExperimentBenchmarks
{
    private const string UserId = "user-4711-0b9e1c3a";

    private string _folder = null!;
    private ExperimentBook _book = null!;
    private ReleaseState _state = null!;
    private DefaultHttpContext _products = null!;
    private readonly string _userId = UserId;
    private ExperimentVisit _visit;
    private CohortDecision _decision;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("canary-bench-").FullName;
        var release = new ReleaseOptions
        {
            Name = "shop",
            Stable = "v1",
            Canary = "v2",
            Weight = 50,
            UserKey = [new UserKeySource(RequestValueKind.Header, "X-User-Id")],
            Routes = [new RouteOptions { Name = "api", Path = "/api/{**rest}", Versions = new Dictionary<string, YarpCluster>() }],
            Goals =
            [
                new GoalOptions { Name = "orders", Type = GoalType.Request, Route = "api", Method = "POST", Path = "/api/orders", Index = 0 },
                new GoalOptions { Name = "cart", Type = GoalType.Request, Route = "api", Method = "PUT", Path = "/api/cart/*", Index = 1 },
                new GoalOptions { Name = "score", Type = GoalType.Beacon, Value = true, Index = 2 },
            ],
        };
        _state = ReleaseState.FromOptions(release);
        _book = new ExperimentBook(Path.Combine(_folder, "experiments.json"), TimeProvider.System);
        _book.Load(new RouterOptions { Releases = [release] }, [_state], restore: false);

        _products = new DefaultHttpContext();
        _products.Request.Method = "GET";
        _products.Request.Path = "/api/products";
        _products.Request.Headers["X-User-Id"] = UserId;
        _visit = Visit();
        _decision = Decide();
        if (!_visit.InExperiment || Decide().Bucket < 0)
        {
            throw new InvalidOperationException("benchmark setup does not exercise the intended paths");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    /// <summary>The cohort decision a proxied request makes anyway.</summary>
    [Benchmark(Baseline = true)]
    public string Decision() => Decide().Version;

    /// <summary>The exposure alone (after the decision): the release's experiment found, the user's hash, a HyperLogLog register checked.</summary>
    [Benchmark]
    public bool Exposure() => _book.Visit("shop", "api", _state, _decision, UserId).InExperiment;

    /// <summary>The user's 64-bit hash, part of <see cref="Exposure"/>.</summary>
    [Benchmark]
    public ulong UserHash_Of() => UserHash.Of(_userId);

    /// <summary>Request goals at the response: two goals of the route, neither matching (GET /api/products 2xx).</summary>
    [Benchmark]
    public int GoalMatching_NoGoalMatches()
    {
        _visit.Record(_products.Request, StatusClass.Success2xx);
        return 0;
    }

    /// <summary>A whole release with 1,000,000 distinct users exposed and converted on 3 goals in both versions: Allocated is its memory.</summary>
    [Benchmark(OperationsPerInvoke = 1)]
    public long Release_OneMillionUsers()
    {
        var key = new ExperimentKey("v1", "v2", 5000);
        var run = ExperimentRun.Start(key, DateTimeOffset.UnixEpoch, _book.Find("shop")!.Goals, new ChangeSignal());
        Span<char> user = stackalloc char[16];
        for (var i = 0; i < 1_000_000; i++)
        {
            i.TryFormat(user, out var written);
            var hash = UserHash.Of(user[..written]);
            var arm = (i & 1) == 0 ? run.Stable : run.Canary;
            arm.Expose(hash);
            arm.Convert(0, hash);
            arm.Convert(1, hash);
            arm.Convert(2, hash, i % 5);
        }

        return run.Stable.Exposed.Count();
    }

    private CohortDecision Decide()
    {
        var key = RequestValues.FirstOf(_products, _state.UserKey);
        return CohortDecider.ByWeight(_state, key);
    }

    private ExperimentVisit Visit()
    {
        var key = RequestValues.FirstOf(_products, _state.UserKey);
        var decision = CohortDecider.ByWeight(_state, key);
        return _book.Visit("shop", "api", _state, decision, key);
    }
}
