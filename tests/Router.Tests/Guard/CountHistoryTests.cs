using Canary.Router.Guard;
using Canary.Router.Metrics;

namespace Canary.Router.Tests.Guard;

public sealed class CountHistoryTests
{
    private static CountSnapshot Totals(long requests, long failures = 0) => new(requests, failures, 0, 0, requests, 0);

    [Fact]
    public void Window_LooksEachSecond_TotalsNowMinusTotalsAtTheWindowsStart()
    {
        var history = new CountHistory(10);

        // The loop's looks: second 100 starts at 0 requests, 101 at 30, 102 at 50; now 70.
        history.Keep(100, Totals(30));
        history.Keep(101, Totals(50));
        history.Keep(102, Totals(70, 5));

        Assert.Equal(Totals(70, 5), history.Window(102, 3, Totals(70, 5)));
        Assert.Equal(Totals(40, 5), history.Window(102, 2, Totals(70, 5)));
        Assert.Equal(Totals(20, 5), history.Window(102, 1, Totals(70, 5)));
    }

    [Fact]
    public void Window_SecondsWithoutALook_FromTheOldestSecondKeptInside()
    {
        var history = new CountHistory(10);
        history.Keep(100, Totals(10));
        history.Keep(105, Totals(40));

        // Nothing kept for 103 and 104: the window over 103..105 starts at 105's stamp (the totals of the look before).
        Assert.Equal(Totals(30), history.Window(105, 3, Totals(40)));
        Assert.Equal(Totals(40), history.Window(105, 10, Totals(40)));
    }

    [Fact]
    public void Window_OlderThanTheRing_Forgotten()
    {
        var history = new CountHistory(3);
        history.Keep(100, Totals(10));
        history.Keep(110, Totals(20));

        // 100's stamp was in the slot 110 reuses... or simply out of reach: a 3-second history sees 108..110 only.
        Assert.Equal(Totals(10), history.Window(110, 60, Totals(20)));
    }

    [Fact]
    public void Complete_WholeSecondsBeforeNow_FromStampToStamp()
    {
        var history = new CountHistory(10);
        history.Keep(100, Totals(10));
        history.Keep(101, Totals(25));
        history.Keep(102, Totals(45));
        history.Keep(103, Totals(50));

        // Seconds 101 and 102 whole: from 101's start (10) to 103's start (45).
        Assert.Equal(Totals(35), history.Complete(103, 2, Totals(50)));
    }

    [Fact]
    public void Keep_NothingCountedYet_AllocatesNothing()
    {
        Quiet(new CountHistory(60), 0, 100, default);
        var history = new CountHistory(60);

        var allocated = Quiet(history, 0, 100, default);

        // An idle release's two versions, every second of the router's life.
        Assert.Equal(0, allocated);
        Assert.Equal(default, history.Window(99, 60, default));
        Assert.Equal(default, history.Complete(99, 60, default));
    }

    [Fact]
    public void Keep_QuietLongerThanTheRing_AllocatesNothingAndWindowsStayRight()
    {
        var history = new CountHistory(10);
        history.Keep(100, Totals(10));
        history.Keep(101, Totals(30));
        Quiet(history, 102, 115, Totals(30));

        var allocated = Quiet(history, 115, 200, Totals(30));

        Assert.Equal(0, allocated);
        Assert.Equal(default, history.Window(199, 10, Totals(30)));
        Assert.Equal(default, history.Complete(199, 5, Totals(30)));

        // Traffic again: the second it resumes in starts at the quiet's totals.
        history.Keep(200, Totals(36, 1));
        Assert.Equal(Totals(6, 1), history.Window(200, 10, Totals(36, 1)));
        history.Keep(201, Totals(40, 1));
        Assert.Equal(Totals(4), history.Window(201, 1, Totals(40, 1)));
        Assert.Equal(Totals(10, 1), history.Window(201, 10, Totals(40, 1)));
    }

    /// <summary>The loop's looks from <paramref name="from"/> to before <paramref name="to"/>, ten a second, at unchanged totals; the bytes they allocated.</summary>
    private static long Quiet(CountHistory history, long from, long to, CountSnapshot totals)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var second = from; second < to; second++)
        {
            for (var look = 0; look < 10; look++)
            {
                history.Keep(second, totals);
            }
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
