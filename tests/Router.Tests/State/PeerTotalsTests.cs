using Canary.Router.Metrics;
using Canary.Router.State;

namespace Canary.Router.Tests.State;

public sealed class PeerTotalsTests
{
    private static readonly (string, string) Canary = ("shop", "v2");
    private static readonly (string, string) Stable = ("shop", "v1");

    [Fact]
    public void Sum_TwoPeers_EachFromItsFirstSight()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals((Canary, new CountSnapshot(10, 2, 0, 0, 10, 1))));
        peers.Merge("c", 1, Totals());

        peers.Merge("b", 2, Totals((Canary, new CountSnapshot(15, 4, 0, 0, 14, 1)), (Stable, new CountSnapshot(7, 0, 0, 0, 7, 0))));
        peers.Merge("c", 2, Totals((Canary, new CountSnapshot(3, 0, 1, 0, 2, 0))));

        // b: (15,4,0,0,14,1) - (10,2,0,0,10,1) = (5,2,0,0,4,0); c counts from zero: (3,0,1,0,2,0).
        Assert.Equal(new CountSnapshot(8, 2, 1, 0, 6, 0), peers.Sum(Canary));
        Assert.Equal(new CountSnapshot(7, 0, 0, 0, 7, 0), peers.Sum(Stable));
    }

    [Fact]
    public void Merge_SamePushTwiceOrAnOlderOne_CountedOnce()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals());
        var push = Totals((Canary, new CountSnapshot(6, 3, 0, 0, 6, 0)));

        Assert.True(peers.Merge("b", 2, push));
        Assert.False(peers.Merge("b", 2, push));
        Assert.False(peers.Merge("b", 1, Totals((Canary, new CountSnapshot(1, 0, 0, 0, 1, 0)))));

        Assert.Equal(new CountSnapshot(6, 3, 0, 0, 6, 0), peers.Sum(Canary));
    }

    [Fact]
    public void Keep_PeerGone_ItsCountsStayAndItsReturnCountsOnlyWhatIsNew()
    {
        var peers = new PeerTotals();
        peers.Merge("b", 1, Totals());
        peers.Merge("c", 1, Totals());
        peers.Merge("b", 2, Totals((Canary, new CountSnapshot(4, 1, 0, 0, 4, 0))));
        peers.Merge("c", 2, Totals((Canary, new CountSnapshot(2, 0, 0, 0, 2, 0))));

        Assert.True(peers.Keep(new HashSet<string> { "c" }));
        Assert.False(peers.Keep(new HashSet<string> { "c" }));
        Assert.Equal(new CountSnapshot(6, 1, 0, 0, 6, 0), peers.Sum(Canary));
        Assert.Equal(["c"], peers.Known.Select(k => k.Key));

        // b comes back with its running totals: only what it counts from now on is added to the 4 it had.
        peers.Merge("b", 9, Totals((Canary, new CountSnapshot(5, 1, 0, 0, 5, 0))));
        peers.Merge("b", 10, Totals((Canary, new CountSnapshot(8, 3, 0, 0, 8, 0))));
        Assert.Equal(new CountSnapshot(9, 3, 0, 0, 9, 0), peers.Sum(Canary));
    }

    [Fact]
    public void Parse_WhatFormatWrote_SameTotalsWithoutZeros()
    {
        var totals = Totals((Canary, new CountSnapshot(12, 3, 2, 1, 11, 4)), (Stable, default));

        var text = PeerTotals.Format(totals);

        Assert.Equal("shop v2 12 3 2 1 11 4\n", text);
        Assert.Equal(Totals((Canary, new CountSnapshot(12, 3, 2, 1, 11, 4))), PeerTotals.Parse(text));
        Assert.Empty(PeerTotals.Parse("shop v2 1 x 0 0 0 0\nshop v1 1 2\n"));
    }

    private static Dictionary<(string, string), CountSnapshot> Totals(params ((string, string) Key, CountSnapshot Totals)[] rows) =>
        rows.ToDictionary(r => r.Key, r => r.Totals);
}
