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
        Assert.Equal(new Next(Work.Round, TimeSpan.Zero), NextRound(_time, lastRound: null, changed: false, canaryFailed: false));
    }

    [Fact]
    public void NextRound_NothingPending_WaitsOutThePeriod()
    {
        var last = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(30));

        Assert.Equal(new Next(Work.Wait, TimeSpan.FromMilliseconds(170)), NextRound(_time, last, changed: false, canaryFailed: false));
        _time.Advance(TimeSpan.FromMilliseconds(170));
        Assert.Equal(new Next(Work.Round, TimeSpan.Zero), NextRound(_time, last, changed: false, canaryFailed: false));
    }

    [Fact]
    public void NextRound_CanaryFailedJustAfterARound_WaitsForTheMinimumGapOnly()
    {
        var last = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(40));

        Assert.Equal(new Next(Work.Wait, TimeSpan.FromMilliseconds(60)), NextRound(_time, last, changed: false, canaryFailed: true));
        _time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Equal(new Next(Work.Round, TimeSpan.Zero), NextRound(_time, last, changed: false, canaryFailed: true));
    }

    [Fact]
    public void NextRound_CanaryFailedLongAfterARound_AtOnce()
    {
        var last = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(150));

        Assert.Equal(new Next(Work.Round, TimeSpan.Zero), NextRound(_time, last, changed: false, canaryFailed: true));
    }

    [Fact]
    public void NextRound_ChangeAnnouncedRightAfterARound_ReadsTheStateAtOnce()
    {
        var last = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(new Next(Work.ReadState, TimeSpan.Zero), NextRound(_time, last, changed: true, canaryFailed: true));
    }
}
