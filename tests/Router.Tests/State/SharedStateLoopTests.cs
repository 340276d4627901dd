using Canary.Router.State;
using Microsoft.Extensions.Time.Testing;
using static Canary.Router.State.SharedStateLoop;

namespace Canary.Router.Tests.State;

public sealed class SharedStateLoopTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void NextRound_FirstRound_AtOnce()
    {
        Assert.Equal(new Next(Work.Round, TimeSpan.Zero), NextRound(_time, lastRound: null, default, changed: false, canaryFailed: false));
    }

    [Fact]
    public void NextRound_NothingPending_WaitsOutThePeriod()
    {
        var last = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(30));

        Assert.Equal(new Next(Work.Wait, TimeSpan.FromMilliseconds(70)), NextRound(_time, last, default, changed: false, canaryFailed: false));
        _time.Advance(TimeSpan.FromMilliseconds(70));
        Assert.Equal(new Next(Work.Round, TimeSpan.Zero), NextRound(_time, last, default, changed: false, canaryFailed: false));
    }

    [Fact]
    public void NextRound_CanaryFailedJustAfterARound_WaitsForTheQuickGapOnly()
    {
        var last = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(2));

        Assert.Equal(new Next(Work.Wait, TimeSpan.FromMilliseconds(3)), NextRound(_time, last, default, changed: false, canaryFailed: true));
        _time.Advance(TimeSpan.FromMilliseconds(3));
        Assert.Equal(new Next(Work.Round, TimeSpan.Zero), NextRound(_time, last, default, changed: false, canaryFailed: true));
    }

    [Fact]
    public void NextRound_CanaryKeepsFailing_TenPushes5MsApartThenOneEvery100Ms()
    {
        var start = _time.GetTimestamp();

        // By hand: the burst's 10 pushes at 5..50 ms; it is whole again at 5 + 10 x 100 = 1005 ms, and each push after
        // it is allowed from 900 ms before that time, which has moved 100 ms on with every push: 105, 205, ... 905.
        Assert.Equal([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 105, 205, 305, 405, 505, 605, 705, 805, 905], FailingRounds(start, start, default, 1000).Rounds);
    }

    [Fact]
    public void NextRound_CanaryFailsAgainAfterTheBurstRefilled_TenQuickPushesAgain()
    {
        var start = _time.GetTimestamp();
        var (_, last, pushes) = FailingRounds(start, start, default, 60);
        Assert.Equal(50, Since(start, last));

        // Refilled one push per 100 ms, the burst is whole again at 1005 ms: after a regular round then, the canary's
        // new failures are pushed 5 ms apart again, ten times.
        _time.Advance(TimeSpan.FromMilliseconds(1005) - _time.GetElapsedTime(start));
        var rounds = FailingRounds(start, _time.GetTimestamp(), pushes, 1060).Rounds;
        Assert.Equal([1010, 1015, 1020, 1025, 1030, 1035, 1040, 1045, 1050, 1055], rounds);
    }

    // The loop's rounds while a canary fails without a pause until `until` ms after `start`, as ms after `start`.
    private (List<long> Rounds, long Last, FailurePushes Pushes) FailingRounds(long start, long last, FailurePushes pushes, long until)
    {
        List<long> rounds = [];
        while (true)
        {
            var next = NextRound(_time, last, pushes, changed: false, canaryFailed: true);
            if (Since(start, _time.GetTimestamp()) + (long)next.Wait.TotalMilliseconds > until)
            {
                return (rounds, last, pushes);
            }

            _time.Advance(next.Wait);
            if (next.Work == Work.Round)
            {
                last = _time.GetTimestamp();
                pushes = pushes.Pushed(_time, last);
                rounds.Add(Since(start, last));
            }
        }
    }

    private long Since(long start, long timestamp) => (long)_time.GetElapsedTime(start, timestamp).TotalMilliseconds;

    [Fact]
    public void NextRound_CanaryFailedLongAfterARound_AtOnce()
    {
        var last = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(150));

        Assert.Equal(new Next(Work.Round, TimeSpan.Zero), NextRound(_time, last, default, changed: false, canaryFailed: true));
    }

    [Fact]
    public void NextRound_ChangeAnnouncedRightAfterARound_ReadsTheStateAtOnce()
    {
        var last = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(new Next(Work.ReadState, TimeSpan.Zero), NextRound(_time, last, default, changed: true, canaryFailed: true));
    }
}
