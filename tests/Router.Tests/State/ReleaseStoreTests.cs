using Canary.Router.Configuration;
using Canary.Router.State;
using Yarp.ReverseProxy.Configuration;

namespace Canary.Router.Tests.State;

public sealed class ReleaseStoreTests
{
    [Fact]
    public void Apply_Accepted_IncrementsRevisionAndPublishesState()
    {
        var store = Store();
        var slot = store.Slot("shop")!;

        var result = store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 50));

        Assert.NotNull(result);
        var (change, refusal) = result.Value;
        Assert.Null(refusal);
        Assert.Equal(1, change!.Before.Revision);
        Assert.Equal(1000, change.Before.CanaryBuckets);
        Assert.Equal(2, change.After.Revision);
        Assert.Equal(5000, change.After.CanaryBuckets);
        Assert.Same(change.After, store.Get("shop"));
        Assert.Same(change.After, slot.Current);
    }

    [Fact]
    public void Apply_Repeatedly_RevisionCountsChanges()
    {
        var store = Store();

        store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 20));
        store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 30));
        store.Apply("shop", ReleaseTransitions.Rollback);

        var state = store.Get("shop")!;
        Assert.Equal(4, state.Revision);
        Assert.Equal(ReleasePhase.RolledBack, state.Phase);
        Assert.Equal(0, state.CanaryBuckets);
    }

    [Fact]
    public void Apply_Refused_StateAndRevisionUnchanged()
    {
        var store = Store();
        store.Apply("shop", ReleaseTransitions.Promote);
        var before = store.Get("shop")!;

        var result = store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 50));

        Assert.NotNull(result);
        Assert.Null(result.Value.Change);
        Assert.Contains("no canary", result.Value.Refusal?.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Same(before, store.Get("shop"));
        Assert.Equal(2, store.Get("shop")!.Revision);
    }

    [Fact]
    public void Apply_UnknownRelease_NullAndTransitionNotRun()
    {
        var store = Store();
        var ran = false;

        var result = store.Apply("nope", s =>
        {
            ran = true;
            return ReleaseTransitions.SetWeight(s, 50);
        });

        Assert.Null(result);
        Assert.False(ran);
        Assert.Null(store.Get("nope"));
        Assert.Null(store.Slot("nope"));
    }

    [Fact]
    public void Apply_OneRelease_OthersUntouched()
    {
        var store = Store();
        var blog = store.Get("blog");

        store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 75));

        Assert.Same(blog, store.Get("blog"));
    }

    [Fact]
    public void Apply_Concurrently_NoChangeLost()
    {
        var store = Store();

        Parallel.For(0, 200, i => store.Apply("shop", s => ReleaseTransitions.SetWeight(s, i % 100)));

        Assert.Equal(201, store.Get("shop")!.Revision);
    }

    [Fact]
    public void All_SortedByName()
    {
        var store = Store();

        Assert.Equal(["blog", "shop"], store.All().Select(s => s.Name));
        Assert.Equal(["blog", "shop"], store.Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FromOptions_CanaryAndWeight_ProgressingAtRevisionOne()
    {
        var state = ReleaseState.FromOptions(Options("shop", canary: "v2", weight: 12.5));

        Assert.Equal(1250, state.CanaryBuckets);
        Assert.Equal(12.5, state.Weight);
        Assert.Equal(ReleasePhase.Progressing, state.Phase);
        Assert.Equal(1, state.Revision);
    }

    [Fact]
    public void FromOptions_NoCanary_StablePhaseNoBuckets()
    {
        var state = ReleaseState.FromOptions(Options("blog", canary: null, weight: 0));

        Assert.Null(state.Canary);
        Assert.Equal(0, state.CanaryBuckets);
        Assert.Equal(ReleasePhase.Stable, state.Phase);
    }

    private static ReleaseStore Store() => new(
    [
        ReleaseState.FromOptions(Options("shop", canary: "v2", weight: 10)),
        ReleaseState.FromOptions(Options("blog", canary: null, weight: 0)),
    ], TimeProvider.System);

    private static ReleaseOptions Options(string name, string? canary, double weight) => new()
    {
        Name = name,
        Stable = "v1",
        Canary = canary,
        Weight = weight,
        Routes =
        [
            new RouteOptions
            {
                Name = "web",
                Path = "/" + name + "/{**rest}",
                Versions = new Dictionary<string, ClusterConfig>
                {
                    ["v1"] = new() { ClusterId = name + "/web/v1" },
                    ["v2"] = new() { ClusterId = name + "/web/v2" },
                },
            },
        ],
    };
}
