using System.Globalization;
using System.Security.Claims;
using Canary.Router.Configuration;
using Canary.Router.Routing;
using Canary.Router.State;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Canary.Router.Tests.Routing;

public sealed class CohortDeciderTests
{
    private const int RampKeys = 20_000;

    [Fact]
    public void Decide_SameKeyRepeatedly_SameDecision()
    {
        var state = State(weight: 50);
        for (var i = 0; i < 200; i++)
        {
            var key = Key(i);
            var first = CohortDecider.Decide(state, new DefaultHttpContext(), key);
            for (var repeat = 0; repeat < 5; repeat++)
            {
                Assert.Equal(first, CohortDecider.Decide(state, new DefaultHttpContext(), key));
            }
        }
    }

    [Fact]
    public void Decide_ByWeight_CanaryExactlyWhenBucketBelowWeight()
    {
        var state = State(weight: 37.5);
        for (var i = 0; i < 2000; i++)
        {
            var key = Key(i);
            var decision = CohortDecider.Decide(state, new DefaultHttpContext(), key);
            var bucket = StableBucket.Of("shop", key);

            Assert.Equal(CohortReason.Weight, decision.Reason);
            Assert.Equal(bucket, decision.Bucket);
            Assert.Equal(bucket < 3750 ? "v2" : "v1", decision.Version);
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 10)]
    [InlineData(10, 10.5)]
    [InlineData(10, 50)]
    [InlineData(25, 75)]
    [InlineData(50, 99.99)]
    [InlineData(99.99, 100)]
    [InlineData(0, 100)]
    public void ByWeight_RaisingWeight_MovesUsersOnlyStableToCanary(double from, double to)
    {
        var (toCanary, toStable) = Moves(from, to);

        Assert.Equal(0, toStable);

        // And the ramp really moved the expected share of users (not trivially zero).
        AssertShare(toCanary, (to - from) / 100);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(10, 1)]
    [InlineData(50, 10)]
    [InlineData(75, 25)]
    [InlineData(100, 99.99)]
    [InlineData(100, 0)]
    public void ByWeight_LoweringWeight_MovesUsersOnlyCanaryToStable(double from, double to)
    {
        var (toCanary, toStable) = Moves(from, to);

        Assert.Equal(0, toCanary);
        AssertShare(toStable, (from - to) / 100);
    }

    [Fact]
    public void ByWeight_WeightZero_EveryoneStable()
    {
        var state = State(weight: 0);
        for (var i = 0; i < RampKeys; i++)
        {
            Assert.Equal("v1", CohortDecider.ByWeight(state, Key(i)).Version);
        }
    }

    [Fact]
    public void ByWeight_WeightHundred_EveryoneCanary()
    {
        var state = State(weight: 100);
        for (var i = 0; i < RampKeys; i++)
        {
            Assert.Equal("v2", CohortDecider.ByWeight(state, Key(i)).Version);
        }

        // With no key at all too: at 100% there is nothing to be sticky on and nothing to split.
        Assert.Equal("v2", CohortDecider.ByWeight(state, default).Version);
    }

    [Fact]
    public void ByWeight_NoKeyBetweenZeroAndHundred_Stable()
    {
        var decision = CohortDecider.ByWeight(State(weight: 99.99), default);

        Assert.Equal("v1", decision.Version);
    }

    [Fact]
    public void Decide_NoCanary_StableWithReasonStable()
    {
        var state = State(weight: 0) with { Canary = null, Phase = ReleasePhase.Stable };
        for (var i = 0; i < 100; i++)
        {
            var decision = CohortDecider.Decide(state, new DefaultHttpContext(), Key(i));

            Assert.Equal("v1", decision.Version);
            Assert.Equal(CohortReason.Stable, decision.Reason);
        }
    }

    [Fact]
    public void Decide_AfterPromote_EveryoneOnFormerCanary()
    {
        var promoted = ReleaseTransitions.Promote(State(weight: 30)).Next!;
        for (var i = 0; i < 100; i++)
        {
            var decision = CohortDecider.Decide(promoted, new DefaultHttpContext(), Key(i));

            Assert.Equal("v2", decision.Version);
            Assert.Equal(CohortReason.Stable, decision.Reason);
        }
    }

    [Fact]
    public void Decide_SegmentMatches_BeatsTheWeight()
    {
        var state = State(weight: 0, Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true"));
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Beta"] = "true";

        var decision = CohortDecider.Decide(state, context, "alice");

        Assert.Equal(new CohortDecision("v2", CohortReason.Segment, "beta"), decision);
    }

    [Fact]
    public void Decide_SegmentToStable_BeatsWeightHundred()
    {
        var state = State(weight: 100, Segment("internal", RequestValueKind.Header, "X-Internal", "v1", "yes"));
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Internal"] = "yes";

        Assert.Equal("v1", CohortDecider.Decide(state, context, "alice").Version);
        Assert.Equal("v2", CohortDecider.Decide(state, new DefaultHttpContext(), "alice").Version);
    }

    [Fact]
    public void Decide_SeveralSegmentsMatch_FirstWins()
    {
        var state = State(
            weight: 50,
            Segment("staff", RequestValueKind.Header, "X-Staff", "v1", "1"),
            Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true"));
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Staff"] = "1";
        context.Request.Headers["X-Beta"] = "true";

        var decision = CohortDecider.Decide(state, context, "alice");

        Assert.Equal("staff", decision.Segment);
        Assert.Equal("v1", decision.Version);
    }

    [Fact]
    public void Decide_FirstSegmentDoesNotMatch_LaterSegmentWins()
    {
        var state = State(
            weight: 0,
            Segment("staff", RequestValueKind.Header, "X-Staff", "v1", "1"),
            Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true"));
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Staff"] = "0";
        context.Request.Headers["X-Beta"] = "true";

        var decision = CohortDecider.Decide(state, context, "alice");

        Assert.Equal("beta", decision.Segment);
        Assert.Equal("v2", decision.Version);
    }

    [Fact]
    public void Decide_NoSegmentMatches_FallsBackToWeight()
    {
        var state = State(weight: 0, Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true"));
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Beta"] = "false";

        var decision = CohortDecider.Decide(state, context, "alice");

        Assert.Equal("v1", decision.Version);
        Assert.Equal(CohortReason.Weight, decision.Reason);
        Assert.Null(decision.Segment);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("TRUE")]
    [InlineData("True")]
    public void Decide_HeaderSegment_ValueComparedIgnoringCase(string sent)
    {
        var state = State(weight: 0, Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true"));
        var context = new DefaultHttpContext();
        context.Request.Headers["x-beta"] = sent;

        Assert.Equal("v2", CohortDecider.Decide(state, context, "alice").Version);
    }

    [Fact]
    public void Decide_HeaderSegmentWithSeveralValues_AnyValueMatches()
    {
        var state = State(weight: 0, Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true"));
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Beta"] = new StringValues(["false", "maybe", "true"]);

        Assert.Equal("v2", CohortDecider.Decide(state, context, "alice").Version);
    }

    [Fact]
    public void Decide_SegmentWithSeveralAcceptedValues_AnyOfThemMatches()
    {
        var state = State(weight: 0, Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true", "1", "yes"));
        foreach (var sent in new[] { "true", "1", "YES" })
        {
            var context = new DefaultHttpContext();
            context.Request.Headers["X-Beta"] = sent;

            Assert.Equal("v2", CohortDecider.Decide(state, context, "alice").Version);
        }

        var other = new DefaultHttpContext();
        other.Request.Headers["X-Beta"] = "no";
        Assert.Equal("v1", CohortDecider.Decide(state, other, "alice").Version);
    }

    [Fact]
    public void Decide_CookieSegment_Matches()
    {
        var state = State(weight: 0, Segment("testers", RequestValueKind.Cookie, "tester", "v2", "yes"));
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = "theme=dark; tester=YES";

        Assert.Equal(new CohortDecision("v2", CohortReason.Segment, "testers"), CohortDecider.Decide(state, context, "alice"));

        var other = new DefaultHttpContext();
        other.Request.Headers.Cookie = "theme=dark; tester=no";
        Assert.Equal("v1", CohortDecider.Decide(state, other, "alice").Version);
    }

    [Fact]
    public void Decide_QuerySegment_Matches()
    {
        var state = State(weight: 0, Segment("preview", RequestValueKind.Query, "preview", "v2", "on"));
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?page=2&preview=On");

        Assert.Equal(new CohortDecision("v2", CohortReason.Segment, "preview"), CohortDecider.Decide(state, context, "alice"));

        var other = new DefaultHttpContext();
        other.Request.QueryString = new QueryString("?page=2&preview=off");
        Assert.Equal("v1", CohortDecider.Decide(state, other, "alice").Version);
    }

    [Fact]
    public void Decide_QuerySegmentWithRepeatedParameter_AnyValueMatches()
    {
        var state = State(weight: 0, Segment("preview", RequestValueKind.Query, "preview", "v2", "on"));
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?preview=off&preview=on");

        Assert.Equal("v2", CohortDecider.Decide(state, context, "alice").Version);
    }

    [Fact]
    public void Decide_ClaimSegment_Matches()
    {
        var state = State(weight: 0, Segment("gold", RequestValueKind.Claim, "tier", "v2", "gold"));
        var context = new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice"), new Claim("tier", "Gold")], "test")),
        };

        Assert.Equal(new CohortDecision("v2", CohortReason.Segment, "gold"), CohortDecider.Decide(state, context, "alice"));

        var silver = new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("tier", "silver")], "test")),
        };
        Assert.Equal("v1", CohortDecider.Decide(state, silver, "alice").Version);
    }

    [Fact]
    public void Decide_SegmentSourceAbsent_NoMatch()
    {
        var state = State(
            weight: 0,
            Segment("h", RequestValueKind.Header, "X-Beta", "v2", "true"),
            Segment("c", RequestValueKind.Cookie, "beta", "v2", "true"),
            Segment("q", RequestValueKind.Query, "beta", "v2", "true"),
            Segment("cl", RequestValueKind.Claim, "beta", "v2", "true"));

        var decision = CohortDecider.Decide(state, new DefaultHttpContext(), "alice");

        Assert.Equal(CohortReason.Weight, decision.Reason);
        Assert.Equal("v1", decision.Version);
    }

    [Fact]
    public void Decide_SegmentOfOneKind_NotMatchedByAnother()
    {
        // A cookie segment is not satisfied by a header of the same name.
        var state = State(weight: 0, Segment("c", RequestValueKind.Cookie, "beta", "v2", "true"));
        var context = new DefaultHttpContext();
        context.Request.Headers["beta"] = "true";
        context.Request.QueryString = new QueryString("?beta=true");

        Assert.Equal("v1", CohortDecider.Decide(state, context, "alice").Version);
    }

    [Fact]
    public void Decide_RolledBack_SegmentToCanarySkipped()
    {
        var state = ReleaseTransitions.Rollback(State(weight: 50, Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true"))).Next!;
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Beta"] = "true";

        var decision = CohortDecider.Decide(state, context, "alice");

        Assert.Equal(ReleasePhase.RolledBack, state.Phase);
        Assert.Equal("v1", decision.Version);
        Assert.NotEqual(CohortReason.Segment, decision.Reason);
    }

    [Fact]
    public void Decide_RolledBack_SegmentToStableStillMatches()
    {
        var state = ReleaseTransitions.Rollback(State(
            weight: 50,
            Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true"),
            Segment("staff", RequestValueKind.Header, "X-Staff", "v1", "1"))).Next!;
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Beta"] = "true";
        context.Request.Headers["X-Staff"] = "1";

        var decision = CohortDecider.Decide(state, context, "alice");

        Assert.Equal(new CohortDecision("v1", CohortReason.Segment, "staff"), decision);
    }

    [Fact]
    public void Decide_RolledBack_EveryoneByWeightOnStable()
    {
        var state = ReleaseTransitions.Rollback(State(weight: 100)).Next!;
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal("v1", CohortDecider.Decide(state, new DefaultHttpContext(), Key(i)).Version);
        }
    }

    [Fact]
    public void Decide_RolledBackThenWeightSet_SegmentToCanaryMatchesAgain()
    {
        var segment = Segment("beta", RequestValueKind.Header, "X-Beta", "v2", "true");
        var rolledBack = ReleaseTransitions.Rollback(State(weight: 50, segment)).Next!;
        var resumed = ReleaseTransitions.SetWeight(rolledBack, 5).Next!;
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Beta"] = "true";

        Assert.Equal("v2", CohortDecider.Decide(resumed, context, "alice").Version);
    }

    private static (int ToCanary, int ToStable) Moves(double from, double to)
    {
        var before = State(from);
        var after = State(to);
        var toCanary = 0;
        var toStable = 0;
        for (var i = 0; i < RampKeys; i++)
        {
            var key = Key(i);
            var was = CohortDecider.ByWeight(before, key).Version;
            var now = CohortDecider.ByWeight(after, key).Version;
            if (was == "v1" && now == "v2")
            {
                toCanary++;
            }
            else if (was == "v2" && now == "v1")
            {
                toStable++;
            }
        }

        return (toCanary, toStable);
    }

    private static void AssertShare(int count, double p)
    {
        var expected = RampKeys * p;
        var sd = Math.Sqrt(RampKeys * p * (1 - p));
        Assert.True(Math.Abs(count - expected) <= 4.5 * sd, $"{count} of {RampKeys} moved where {expected:F0} ± {4.5 * sd:F0} was expected");
    }

    private static string Key(int i) => "user-" + i.ToString(CultureInfo.InvariantCulture);

    private static SegmentOptions Segment(string name, RequestValueKind kind, string source, string version, params string[] values) => new()
    {
        Name = name,
        Source = new UserKeySource(kind, source),
        Values = values,
        Version = version,
    };

    private static ReleaseState State(double weight, params SegmentOptions[] segments) => new()
    {
        Name = "shop",
        Stable = "v1",
        Canary = "v2",
        CanaryBuckets = ReleaseState.ToBuckets(weight),
        Phase = ReleasePhase.Progressing,
        Revision = 1,
        Segments = segments,
    };
}
