using Canary.Router.Configuration;
using Canary.Router.State;

namespace Canary.Router.Tests.State;

public sealed class ReleaseStoreTests
{
    [Fact]
    public void Apply_Accepted_IncrementsRevisionAndPublishesOneNewSnapshot()
    {
        using var rig = Rig();
        var before = rig.Store.Current;

        var result = rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 50));

        var (change, refusal) = result!.Value;
        Assert.Null(refusal);
        Assert.Equal(1, change!.Before.Revision);
        Assert.Equal(1000, change.Before.CanaryBuckets);
        Assert.Equal(2, change.After.Revision);
        Assert.Equal(5000, change.After.CanaryBuckets);
        var after = rig.Store.Current;
        Assert.NotSame(before, after);
        Assert.Same(change.After, after.Get("shop"));
        Assert.Same(before.Routes, after.Routes);
        Assert.Same(before.Options, after.Options);
        Assert.Same(change.After, after.StateOf(after.Routes.Find("shop/web")!));
        // The old snapshot a request may still hold is untouched.
        Assert.Equal(1000, before.Get("shop")!.CanaryBuckets);
    }

    [Fact]
    public void Apply_Repeatedly_RevisionCountsChanges()
    {
        using var rig = Rig();

        rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 20));
        rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 30));
        rig.Store.Apply("shop", ReleaseTransitions.Rollback);

        var state = rig.Store.Get("shop")!;
        Assert.Equal(4, state.Revision);
        Assert.Equal(ReleasePhase.RolledBack, state.Phase);
        Assert.Equal(0, state.CanaryBuckets);
        Assert.Equal(3, rig.Writes.Count);
    }

    [Fact]
    public void Apply_SameState_NoRevisionNoEventNoWrite()
    {
        using var rig = Rig();

        var result = rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 10));

        Assert.Null(result!.Value.Refusal);
        Assert.Equal(1, rig.Store.Get("shop")!.Revision);
        Assert.Empty(rig.Commits);
        Assert.Empty(rig.Writes);
    }

    [Fact]
    public void Apply_Refused_StateAndRevisionUnchanged()
    {
        using var rig = Rig();
        rig.Store.Apply("shop", ReleaseTransitions.Promote);
        var before = rig.Store.Get("shop")!;

        var result = rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 50));

        Assert.Null(result!.Value.Change);
        Assert.Contains("no canary", result.Value.Refusal?.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Same(before, rig.Store.Get("shop"));
        Assert.Equal(2, rig.Store.Get("shop")!.Revision);
    }

    [Fact]
    public void Apply_UnknownRelease_NullAndTransitionNotRun()
    {
        using var rig = Rig();
        var ran = false;

        var result = rig.Store.Apply("nope", s =>
        {
            ran = true;
            return ReleaseTransitions.SetWeight(s, 50);
        });

        Assert.Null(result);
        Assert.False(ran);
        Assert.Null(rig.Store.Get("nope"));
    }

    [Fact]
    public void Apply_OneRelease_OthersUntouched()
    {
        using var rig = Rig();
        var blog = rig.Store.Get("blog");

        rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 75));

        Assert.Same(blog, rig.Store.Get("blog"));
    }

    [Fact]
    public void Apply_Concurrently_NoChangeLost()
    {
        using var rig = Rig();

        // 200 distinct weights, none the current one: every change applies.
        Parallel.For(0, 200, i => rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 11 + (i * 0.01))));

        Assert.Equal(201, rig.Store.Get("shop")!.Revision);
        Assert.Equal(Enumerable.Range(2, 200).Select(r => (long)r), rig.Commits.Select(c => c.Changed[0].After.Revision));
    }

    [Fact]
    public void Apply_OperatorOnFullDisk_RefusedUnavailableAndNothingChanged()
    {
        using var rig = Rig();
        var before = rig.Store.Current;
        rig.DiskFull = true;

        var result = rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 50), ChangeCause.ByOperator("weight", "test"));

        Assert.Equal(RefusalKind.Unavailable, result!.Value.Refusal!.Kind);
        Assert.Contains("No space left", result.Value.Refusal.Reason, StringComparison.Ordinal);
        Assert.Same(before, rig.Store.Current);
        Assert.Empty(rig.Commits);
    }

    [Fact]
    public void Apply_GuardRollbackOnFullDisk_EffectiveAtOnceWrittenOnFlushOnceSpaceIsBack()
    {
        using var rig = Rig();
        var pending = 0;
        rig.Store.WritePending += () => pending++;
        rig.DiskFull = true;

        var result = rig.Store.Apply("shop", ReleaseTransitions.Rollback, StoreRig.Guard);

        Assert.NotNull(result!.Value.Change);
        Assert.Equal(ReleasePhase.RolledBack, rig.Store.Get("shop")!.Phase);
        Assert.Single(rig.Commits);
        Assert.Equal(1, pending);
        Assert.True(rig.Store.Unwritten);
        Assert.False(rig.Store.Flush());

        rig.DiskFull = false;
        Assert.True(rig.Store.Flush());
        Assert.False(rig.Store.Unwritten);
        Assert.Equal(ReleasePhase.RolledBack, Assert.Single(rig.Writes).Releases.Single(r => r.Name == "shop").Phase);
    }

    [Fact]
    public void Apply_GuardRollback_WrittenBeforeItsObserversRun()
    {
        using var rig = Rig();
        var writesSeen = new List<int>();
        var phaseSeen = new List<ReleasePhase>();
        rig.Store.Committed += _ =>
        {
            writesSeen.Add(rig.Writes.Count);
            phaseSeen.Add(rig.Store.Get("shop")!.Phase);
        };

        rig.Store.Apply("shop", ReleaseTransitions.Rollback, StoreRig.Guard);

        // Other replicas read the shared store: a rollback reaches it without waiting for this one's observers.
        Assert.Equal([1], writesSeen);
        Assert.Equal([ReleasePhase.RolledBack], phaseSeen);
    }

    [Fact]
    public void Apply_OperatorAfterUnwrittenRollback_WrittenTogetherOrRefused()
    {
        using var rig = Rig();
        rig.DiskFull = true;
        rig.Store.Apply("shop", ReleaseTransitions.Rollback, StoreRig.Guard);

        // Still full: the operator's change is refused, and the rollback stays in effect, unwritten.
        var refused = rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 5), ChangeCause.ByOperator("weight", "test"));
        Assert.Equal(RefusalKind.Unavailable, refused!.Value.Refusal!.Kind);
        Assert.True(rig.Store.Unwritten);

        // Space is back: the operator's change is acknowledged only with the rollback on disk.
        rig.DiskFull = false;
        var weight = rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 5), ChangeCause.ByOperator("weight", "test"));
        Assert.Null(weight!.Value.Refusal);
        var written = Assert.Single(rig.Writes).Releases.Single(r => r.Name == "shop");
        Assert.Equal(3, written.Revision);
        Assert.False(rig.Store.Unwritten);
    }

    [Fact]
    public void Committed_ObserverThrows_ChangeStandsAndFaultReported()
    {
        using var rig = Rig();
        var faults = new List<Exception>();
        rig.Store.Committed += _ => throw new InvalidOperationException("observer broke");
        rig.Store.Faulted += faults.Add;

        var result = rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 60));

        Assert.NotNull(result!.Value.Change);
        Assert.Equal(6000, rig.Store.Get("shop")!.CanaryBuckets);
        Assert.Equal("observer broke", Assert.Single(faults).Message);
    }

    [Fact]
    public void Replace_UnchangedReleases_SameStatesNoRevisionNoEventNoWrite()
    {
        using var rig = Rig();
        var before = rig.Store.Current;

        // New option objects and new lists, equal in value: nothing changed.
        var commit = rig.Replace(StoreRig.Options("shop") with { UserKey = [new UserKeySource(RequestValueKind.Header, "X-User-Id")] },
            StoreRig.Options("blog", canary: null, weight: 0));
        var again = rig.Replace(StoreRig.Options("shop") with { UserKey = [new UserKeySource(RequestValueKind.Header, "X-User-Id")] },
            StoreRig.Options("blog", canary: null, weight: 0));

        Assert.False(commit.IsEmpty); // the user key is a change, once
        Assert.True(again.IsEmpty);
        Assert.Same(before.Get("blog"), rig.Store.Get("blog"));
        Assert.Equal(2, rig.Store.Get("shop")!.Revision);
        Assert.Single(rig.Writes);
    }

    [Fact]
    public void Replace_OneWeightEdited_OnlyThatReleaseChanges()
    {
        using var rig = Rig();
        var blog = rig.Store.Get("blog");

        var commit = rig.Replace(StoreRig.Options("shop", weight: 25), StoreRig.Options("blog", canary: null, weight: 0));

        var change = Assert.Single(commit.Changed);
        Assert.Equal("shop", change.After.Name);
        Assert.Equal(2500, change.After.CanaryBuckets);
        Assert.Equal(2, change.After.Revision);
        Assert.Same(blog, rig.Store.Get("blog"));
        Assert.Single(rig.Writes);
    }

    [Fact]
    public void Replace_ReleaseRemovedThenAddedAgain_RevisionContinuesAbove()
    {
        using var rig = Rig();
        rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 20));
        rig.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 30));

        var removed = rig.Replace(StoreRig.Options("blog", canary: null, weight: 0));
        var added = rig.Replace(StoreRig.Options("shop"), StoreRig.Options("blog", canary: null, weight: 0));

        Assert.Equal("shop", Assert.Single(removed.Removed).Name);
        Assert.Equal(3, rig.Writes[^2].Retired["shop"]);
        var back = Assert.Single(added.Added);
        Assert.Equal(4, back.Revision);
        Assert.Equal(1000, back.CanaryBuckets);
        Assert.Empty(rig.Writes[^1].Retired);
    }

    [Fact]
    public void Replace_NewCanary_StartsOverWithAHigherRevision()
    {
        using var rig = Rig();
        rig.Store.Apply("shop", ReleaseTransitions.Rollback);

        var commit = rig.Replace(StoreRig.Options("shop", canary: "v3", weight: 5), StoreRig.Options("blog", canary: null, weight: 0));

        var after = Assert.Single(commit.Changed).After;
        Assert.Equal("v3", after.Canary);
        Assert.Equal(ReleasePhase.Progressing, after.Phase);
        Assert.Equal(500, after.CanaryBuckets);
        Assert.Equal(3, after.Revision);
    }

    [Fact]
    public void Replace_SnapshotStatesAndBindingsFromOneConfiguration()
    {
        using var rig = Rig();
        var old = rig.Store.Current;

        rig.Replace(StoreRig.Options("shop", canary: "v3", weight: 5), StoreRig.Options("blog", canary: null, weight: 0));

        var now = rig.Store.Current;
        var binding = now.Routes.Find("shop/web")!;
        Assert.NotNull(binding.Target(now.StateOf(binding).Canary!));
        // A request that started on the old snapshot still reads the old state through the old binding.
        var oldBinding = old.Routes.Find("shop/web")!;
        Assert.Equal("v2", old.StateOf(oldBinding).Canary);
    }

    [Fact]
    public void Replace_FullDisk_EffectiveAndWrittenLater()
    {
        using var rig = Rig();
        rig.DiskFull = true;

        rig.Replace(StoreRig.Options("shop", weight: 40), StoreRig.Options("blog", canary: null, weight: 0));

        Assert.Equal(4000, rig.Store.Get("shop")!.CanaryBuckets);
        Assert.True(rig.Store.Unwritten);
        rig.DiskFull = false;
        Assert.True(rig.Store.Flush());
        Assert.Equal(4000, Assert.Single(rig.Writes).Releases.Single(r => r.Name == "shop").CanaryBuckets);
    }

    [Fact]
    public void All_SortedByName()
    {
        using var rig = Rig();

        Assert.Equal(["blog", "shop"], rig.Store.All().Select(s => s.Name));
        Assert.Equal(["blog", "shop"], rig.Store.Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FromOptions_CanaryAndWeight_ProgressingAtRevisionOne()
    {
        var state = ReleaseState.FromOptions(StoreRig.Options("shop", canary: "v2", weight: 12.5));

        Assert.Equal(1250, state.CanaryBuckets);
        Assert.Equal(12.5, state.Weight);
        Assert.Equal(ReleasePhase.Progressing, state.Phase);
        Assert.Equal(1, state.Revision);
    }

    [Fact]
    public void FromOptions_NoCanary_StablePhaseNoBuckets()
    {
        var state = ReleaseState.FromOptions(StoreRig.Options("blog", canary: null, weight: 0));

        Assert.Null(state.Canary);
        Assert.Equal(0, state.CanaryBuckets);
        Assert.Equal(ReleasePhase.Stable, state.Phase);
    }

    [Fact]
    public void Equals_EqualListsInNewObjects_Equal()
    {
        var a = ReleaseState.FromOptions(StoreRig.Options("shop") with { Segments = [Segment()], Steps = [new StepOptions(5, 60)] });
        var b = ReleaseState.FromOptions(StoreRig.Options("shop") with { Segments = [Segment()], Steps = [new StepOptions(5, 60)] });

        Assert.Equal(a, b);
        Assert.NotEqual(a, ReleaseState.FromOptions(StoreRig.Options("shop") with { Segments = [Segment() with { Values = ["no"] }], Steps = [new StepOptions(5, 60)] }));
        Assert.NotEqual(a, a with { Draining = [new DrainedDestination("web", "http://a")] });
        Assert.Equal(a with { Draining = [new DrainedDestination("web", "http://a")] }, a with { Draining = [new DrainedDestination("web", "http://a")] });
    }

    private static SegmentOptions Segment() => new() { Name = "beta", Source = new UserKeySource(RequestValueKind.Header, "X-Beta"), Values = ["true"], Version = "v2" };

    private static StoreRig Rig() => new(StoreRig.Options("shop"), StoreRig.Options("blog", canary: null, weight: 0));
}
