using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace Canary.Router.Tests.Guard;

/// <summary>The guard's sliding window, driven by seconds taken from a fake clock's timestamps as the router takes them.</summary>
public sealed class RequestWindowTests
{
    private const int Slots = OptionLimits.MaxGuardWindowSeconds + 1;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RequestWindow _window = new();

    /// <summary>The current second, as <see cref="RequestRecorder"/> and <see cref="GuardMonitor"/> compute it.</summary>
    private long Now => _time.GetTimestamp() / _time.TimestampFrequency;

    [Fact]
    public void Read_WithinWindow_CountsEveryKind()
    {
        _window.Record(Now, StatusClass.Success2xx, 5);
        _window.Record(Now, StatusClass.Redirect3xx, 5);
        _window.Record(Now, StatusClass.ClientError4xx, 5);
        _window.Record(Now, StatusClass.ServerError5xx, 5);
        _window.Record(Now, StatusClass.ServerError5xx, 5);
        _window.Record(Now, StatusClass.Error, 5);

        var figures = _window.Read(Now, 10);

        Assert.Equal(6, figures.Requests);
        Assert.Equal(2, figures.ServerErrors);
        Assert.Equal(1, figures.TransportErrors);
        Assert.Equal(3, figures.Failures);
        Assert.Equal(0.5, figures.ErrorRate);
    }

    [Fact]
    public void Read_Empty_ZeroFigures()
    {
        var figures = _window.Read(Now, 10);

        Assert.Equal(new WindowFigures(0, 0, 0, 0), figures);
        Assert.Equal(0, figures.ErrorRate);
    }

    [Fact]
    public void Read_OldSecondsDropOut_AsTheClockMoves()
    {
        var first = Now;
        _window.Record(Now, StatusClass.ServerError5xx, 5);
        _time.Advance(TimeSpan.FromSeconds(2));
        _window.Record(Now, StatusClass.Success2xx, 5);
        _window.Record(Now, StatusClass.Success2xx, 5);

        // A 5-second window ending 4 s after the first request still holds it ...
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4, Now - first);
        Assert.Equal(new WindowFigures(3, 1, 0, LatencyScale.UpperBoundMs(LatencyScale.IndexOf(5))), _window.Read(Now, 5));

        // ... one second later it has dropped out, and the later two are still in.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new WindowFigures(2, 0, 0, LatencyScale.UpperBoundMs(LatencyScale.IndexOf(5))), _window.Read(Now, 5));

        // Two seconds further, all are gone.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(new WindowFigures(0, 0, 0, 0), _window.Read(Now, 5));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(60)]
    [InlineData(OptionLimits.MaxGuardWindowSeconds)]
    public void Read_WindowLength_HoldsExactlyThatManySeconds(int seconds)
    {
        var start = Now;
        for (var i = 0; i <= seconds; i++)
        {
            _window.Record(start + i, StatusClass.Success2xx, 1);
        }

        Assert.Equal(seconds, _window.Read(start + seconds, seconds).Requests);
        Assert.Equal(1, _window.Read(start, seconds).Requests);
    }

    [Fact]
    public void Record_SlotReusedByLaterSecond_OldFiguresCleared()
    {
        var first = Now;
        for (var i = 0; i < 7; i++)
        {
            _window.Record(first, StatusClass.ServerError5xx, 900);
        }

        // One lap of the ring later, the same slot takes a new second: nothing of the old one may remain.
        _time.Advance(TimeSpan.FromSeconds(Slots));
        _window.Record(Now, StatusClass.Success2xx, 2);

        Assert.Equal(new WindowFigures(1, 0, 0, LatencyScale.UpperBoundMs(LatencyScale.IndexOf(2))), _window.Read(Now, 1));
        Assert.Equal(new WindowFigures(1, 0, 0, LatencyScale.UpperBoundMs(LatencyScale.IndexOf(2))), _window.Read(Now, OptionLimits.MaxGuardWindowSeconds));

        // And a read of the old second no longer finds it (its slot now belongs to another second).
        Assert.Equal(0, _window.Read(first, 1).Requests);
    }

    [Fact]
    public void Read_LongestWindow_NeverSeesTheSlotBeingFilled()
    {
        var first = Now;
        _window.Record(first, StatusClass.ServerError5xx, 5);
        _window.Record(first + OptionLimits.MaxGuardWindowSeconds, StatusClass.Success2xx, 5);

        // The two seconds are 600 apart: in a 600-second window ending at the later one, only the later one counts.
        var figures = _window.Read(first + OptionLimits.MaxGuardWindowSeconds, OptionLimits.MaxGuardWindowSeconds);

        Assert.Equal(1, figures.Requests);
        Assert.Equal(0, figures.ServerErrors);
    }

    [Fact]
    public void Record_QuietSecondsBetween_CountedOnce()
    {
        var start = Now;
        _window.Record(start, StatusClass.Success2xx, 5);
        _window.Record(start + 3, StatusClass.Success2xx, 5);

        Assert.Equal(2, _window.Read(start + 3, 10).Requests);
        Assert.Equal(1, _window.Read(start + 3, 3).Requests);
    }

    [Fact]
    public void Clear_ForgetsEverything_ThenRecordsAgain()
    {
        for (var i = 0; i < 5; i++)
        {
            _window.Record(Now, StatusClass.ServerError5xx, 5);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        _window.Clear();
        Assert.Equal(new WindowFigures(0, 0, 0, 0), _window.Read(Now, 10));

        _window.Record(Now, StatusClass.Success2xx, 5);
        Assert.Equal(1, _window.Read(Now, 10).Requests);
        Assert.Equal(0, _window.Read(Now, 10).ServerErrors);
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(3)]
    [InlineData(12.5)]
    [InlineData(99)]
    [InlineData(250)]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(4321)]
    [InlineData(30_000)]
    public void Read_P99_WithinOneBucketAbove(double p99Ms)
    {
        // 1000 requests: 989 fast ones, then 11 at p99Ms: the 990th (the p99) is at p99Ms.
        for (var i = 0; i < 989; i++)
        {
            _window.Record(Now, StatusClass.Success2xx, 0.2);
        }

        for (var i = 0; i < 11; i++)
        {
            _window.Record(Now, StatusClass.Success2xx, p99Ms);
        }

        var estimate = _window.Read(Now, 10).P99Ms;

        Assert.InRange(estimate, p99Ms, p99Ms * 1.215 + 0.001);
    }

    [Fact]
    public void Read_P99AboveLongestAllowedMaxP99Ms_JudgedABreach()
    {
        // router.json accepts MaxP99Ms up to OptionLimits.MaxGuardMaxP99Ms: the window must be able to measure past it,
        // or a release with such a threshold can never be rolled back for latency.
        var options = new GuardOptions { MinRequests = 20, MaxP99Ms = OptionLimits.MaxGuardMaxP99Ms };
        for (var i = 0; i < 100; i++)
        {
            _window.Record(Now, StatusClass.Success2xx, OptionLimits.MaxGuardMaxP99Ms * 1.5);
        }

        var figures = _window.Read(Now, 10);

        Assert.True(figures.P99Ms > OptionLimits.MaxGuardMaxP99Ms, $"p99 estimated at {figures.P99Ms} ms for requests of {OptionLimits.MaxGuardMaxP99Ms * 1.5} ms");
        Assert.Equal(GuardVerdict.LatencyReason, GuardPolicy.Judge(options, figures, new(0, 0, 0, 0)).Reason);
    }

    [Fact]
    public void Read_P99_IgnoresTheSlowestOnePercent()
    {
        for (var i = 0; i < 990; i++)
        {
            _window.Record(Now, StatusClass.Success2xx, 20);
        }

        for (var i = 0; i < 10; i++)
        {
            _window.Record(Now, StatusClass.Success2xx, 10_000);
        }

        Assert.InRange(_window.Read(Now, 10).P99Ms, 20, 20 * 1.215);
    }

    [Fact]
    public void Read_P99_SpreadOverSeconds_MergedAcrossTheWindow()
    {
        // The slow requests are in another second than most fast ones: the window's p99 is over all of them.
        for (var i = 0; i < 495; i++)
        {
            _window.Record(Now, StatusClass.Success2xx, 1);
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 495; i++)
        {
            _window.Record(Now, StatusClass.Success2xx, 1);
        }

        for (var i = 0; i < 20; i++)
        {
            _window.Record(Now, StatusClass.Success2xx, 700);
        }

        Assert.InRange(_window.Read(Now, 5).P99Ms, 700, 700 * 1.215);
        Assert.InRange(_window.Read(Now, 1).P99Ms, 700, 700 * 1.215);
    }

    [Fact]
    public async Task Record_ConcurrentWriters_NothingLost()
    {
        var second = Now;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                _window.Record(second, i % 10 == 0 ? StatusClass.ServerError5xx : StatusClass.Success2xx, 3);
            }
        })));

        var figures = _window.Read(second, 1);

        Assert.Equal(40_000, figures.Requests);
        Assert.Equal(4_000, figures.ServerErrors);
    }
}
