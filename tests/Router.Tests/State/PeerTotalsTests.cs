using Canary.Router.Metrics;
using Canary.Router.State;

namespace Canary.Router.Tests.State;

public sealed class PeerTotalsTests
{
    private static readonly (string, string) Canary = ("shop", "v2");
    private static readonly (string, string) Stable = ("shop", "v1");

    [Fact]
    public void Steps_TwoPeers_EachFromItsFirstSight()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals((Canary, new CountSnapshot(10, 2, 0, 0, 10, 1))), 1000);
        peers.Merge("c", 1, Totals(), 1000);

        peers.Merge("b", 2, Totals((Canary, new CountSnapshot(15, 4, 0, 0, 14, 1)), (Stable, new CountSnapshot(7, 0, 0, 0, 7, 0))), 2000);
        peers.Merge("c", 2, Totals((Canary, new CountSnapshot(3, 0, 1, 0, 2, 0))), 2000);

        // b: (15,4,0,0,14,1) - (10,2,0,0,10,1) = (5,2,0,0,4,0); c counts from zero: (3,0,1,0,2,0).
        Assert.Equal(new CountSnapshot(8, 2, 1, 0, 6, 0), peers.Steps(Canary).Latest);
        Assert.Equal(new CountSnapshot(7, 0, 0, 0, 7, 0), peers.Steps(Stable).Latest);
    }

    [Fact]
    public void Merge_SamePushTwiceOrAnOlderOne_CountedOnce()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals(), 1000);
        var push = Totals((Canary, new CountSnapshot(6, 3, 0, 0, 6, 0)));

        Assert.True(peers.Merge("b", 2, push, 2000));
        Assert.False(peers.Merge("b", 2, push, 2000));
        Assert.False(peers.Merge("b", 1, Totals((Canary, new CountSnapshot(1, 0, 0, 0, 1, 0))), 1000));

        Assert.Equal(new CountSnapshot(6, 3, 0, 0, 6, 0), peers.Steps(Canary).Latest);
    }

    [Fact]
    public void Keep_PeerGone_ItsCountsStayAndItsReturnCountsOnlyWhatIsNew()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals(), 1000);
        peers.Merge("c", 1, Totals(), 1000);
        peers.Merge("b", 2, Totals((Canary, new CountSnapshot(4, 1, 0, 0, 4, 0))), 2000);
        peers.Merge("c", 2, Totals((Canary, new CountSnapshot(2, 0, 0, 0, 2, 0))), 2000);

        Assert.True(peers.Keep(new HashSet<string> { "c" }));
        Assert.False(peers.Keep(new HashSet<string> { "c" }));
        Assert.Equal(new CountSnapshot(6, 1, 0, 0, 6, 0), peers.Steps(Canary).Latest);
        Assert.Equal(["c"], peers.Known.Select(k => k.Key));

        // b comes back with its running totals: only what it counts from now on is added to the 4 it had.
        peers.Merge("b", 9, Totals((Canary, new CountSnapshot(5, 1, 0, 0, 5, 0))), 9000);
        peers.Merge("b", 10, Totals((Canary, new CountSnapshot(8, 3, 0, 0, 8, 0))), 10000);
        Assert.Equal(new CountSnapshot(9, 3, 0, 0, 9, 0), peers.Steps(Canary).Latest);
    }

    [Fact]
    public void Parse_WhatFormatWrote_SameTotalsWithoutZeros()
    {
        var totals = Totals((Canary, new CountSnapshot(12, 3, 2, 1, 11, 4)), (Stable, default));

        var text = PeerTotals.Format(totals, 1_796_302_133_049_123);

        Assert.Equal("at 1796302133049123\nshop v2 12 3 2 1 11 4\n", text);
        Assert.Equal(Totals((Canary, new CountSnapshot(12, 3, 2, 1, 11, 4))), PeerTotals.Parse(text, out var at));
        Assert.Equal(1_796_302_133_049_123, at);
        Assert.Empty(PeerTotals.Parse("shop v2 1 x 0 0 0 0\nshop v1 1 2\n", out var none));
        Assert.Equal(0, none);
    }

    [Fact]
    public void Steps_PushesStamped_SumAsItStoodAtEachStamp()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals(), 1_000);
        peers.Merge("c", 1, Totals(), 1_000);
        peers.Merge("b", 2, Totals((Canary, new CountSnapshot(4, 0, 0, 0, 4, 0))), 100_000);
        peers.Merge("b", 3, Totals((Canary, new CountSnapshot(5, 1, 0, 0, 5, 0))), 200_000);
        // c answers b's failure: its push arrives last, stamped with the moment of that failure.
        peers.Merge("c", 2, Totals((Canary, new CountSnapshot(6, 0, 0, 0, 6, 0))), 200_000);

        var steps = peers.Steps(Canary);

        // Before b's first push after first sight nothing had been counted; from 100 ms b's 4; from 200 ms b's 5 and c's 6.
        Assert.Equal(default, steps.At(99_999));
        Assert.Equal(new CountSnapshot(4, 0, 0, 0, 4, 0), steps.At(100_000));
        Assert.Equal(new CountSnapshot(4, 0, 0, 0, 4, 0), steps.At(199_999));
        Assert.Equal(new CountSnapshot(11, 1, 0, 0, 11, 0), steps.At(200_000));
        Assert.Equal(new CountSnapshot(11, 1, 0, 0, 11, 0), steps.Latest);
        Assert.Equal(200_000, steps.FirstAbove(0));
        Assert.Null(steps.FirstAbove(1));
    }

    [Fact]
    public void Merge_StampBeforeThePeersLast_TakenAtItsLast()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals(), 1_000);
        peers.Merge("b", 2, Totals((Canary, new CountSnapshot(2, 0, 0, 0, 2, 0))), 50_000);
        peers.Merge("b", 3, Totals((Canary, new CountSnapshot(3, 1, 0, 0, 3, 0))), 40_000);

        var steps = peers.Steps(Canary);

        // A peer's counts only grow: a later push is never placed before an earlier one.
        Assert.Equal(new CountSnapshot(3, 1, 0, 0, 3, 0), steps.At(50_000));
        Assert.Equal(default, steps.At(49_999));
    }

    [Fact]
    public void Merge_PushesOlderThanTheHorizon_TheNewestOfThemStandsForEverythingBefore()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals(), 0);
        peers.Merge("b", 2, Totals((Canary, new CountSnapshot(2, 0, 0, 0, 2, 0))), 100_000);
        peers.Merge("b", 3, Totals((Canary, new CountSnapshot(3, 0, 0, 0, 3, 0))), 200_000);
        peers.Merge("b", 4, Totals((Canary, new CountSnapshot(4, 0, 0, 0, 4, 0))), 200_000 + PeerSteps.HorizonMicroseconds);

        var steps = peers.Steps(Canary);

        // The pushes at 0 and 100 ms are older than the one at 200 ms, itself the horizon before the last: dropped.
        Assert.Equal(new CountSnapshot(3, 0, 0, 0, 3, 0), steps.Before);
        Assert.Equal(new CountSnapshot(3, 0, 0, 0, 3, 0), steps.At(150_000));
        Assert.Equal(new CountSnapshot(4, 0, 0, 0, 4, 0), steps.Latest);
    }

    private static Dictionary<(string, string), CountSnapshot> Totals(params ((string, string) Key, CountSnapshot Totals)[] rows) =>
        rows.ToDictionary(r => r.Key, r => r.Totals);
}
