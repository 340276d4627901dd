using BenchmarkDotNet.Attributes;
using Canary.Router.Configuration;
using Canary.Router.Routing;
using Canary.Router.State;
using Microsoft.AspNetCore.Http;

namespace Canary.Bench;

/// <summary>
/// The per-request cohort decision, exactly as <see cref="CohortRoutingMiddleware"/> makes it for a request with a
/// user key: the preview cookie first (none), segments (none matches), then the key from the first present source,
/// then the bucket against a 10% weight.
/// </summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private const string UserId = "user-4711-0b9e1c3a";

    private readonly string _userId = UserId;
    private ReleaseState _state = null!;
    private DefaultHttpContext _keyed = null!;
    private DefaultHttpContext _beta = null!;
    private PreviewLinks _previews = null!;

    [GlobalSetup]
    public void Setup()
    {
        _state = new ReleaseState
        {
            Name = "shop",
            Stable = "v1",
            Canary = "v2",
            CanaryBuckets = ReleaseState.ToBuckets(10),
            Phase = ReleasePhase.Progressing,
            Revision = 1,
            UserKey = [new UserKeySource(RequestValueKind.Header, "X-User-Id"), new UserKeySource(RequestValueKind.Cookie, "uid")],
            Segments =
            [
                new SegmentOptions
                {
                    Name = "beta",
                    Source = new UserKeySource(RequestValueKind.Header, "X-Beta"),
                    Values = ["true"],
                    Version = "v2",
                },
            ],
        };

        _previews = new PreviewLinks(new byte[32]);
        _keyed = Request(("X-User-Id", UserId));
        _beta = Request(("X-User-Id", UserId), ("X-Beta", "true"));

        // The two paths must do what their names say.
        if (CohortDecider.TryMatchSegment(_state, _keyed, out _) || !CohortDecider.TryMatchSegment(_state, _beta, out _)
            || KeyedDecision().Reason != CohortReason.Weight || KeyedDecision().Bucket < 0)
        {
            throw new InvalidOperationException("benchmark setup does not exercise the intended paths");
        }
    }

    // Benchmarks return the decided version: the decision type is internal, and a result keeps the JIT honest.

    /// <summary>The middleware's path for a keyed user: no segment matches, bucket against the weight.</summary>
    [Benchmark(Baseline = true)]
    public string KeyedUser_NoSegmentMatch() => KeyedDecision().Version;

    /// <summary>A segment matches (X-Beta: true): the key and bucket are never looked at.</summary>
    [Benchmark]
    public string KeyedUser_SegmentMatch() => Decide(_beta).Version;

    /// <summary>The hash alone: FNV-1a 64 over release + key, fmix64, mod 10000.</summary>
    [Benchmark]
    public int StableBucket_Of() => StableBucket.Of(_state.Name, _userId);

    private CohortDecision KeyedDecision() => Decide(_keyed);

    private CohortDecision Decide(HttpContext context)
    {
        var state = _state;
        if (!CohortDecider.TryMatchPreviewOrSegment(state, context, _previews, TimeProvider.System, out var decision))
        {
            var key = state.Canary is not null ? RequestValues.FirstOf(context, state.UserKey) : null;
            decision = CohortDecider.ByWeight(state, key);
        }

        return decision;
    }

    private static DefaultHttpContext Request(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/api/items";
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }
}
