using System.Threading.Channels;
using Canary.Router.Routing;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Timeout;

namespace Canary.Router.Tests.Routing;

public sealed class RetryPipelinesTests
{
    private const int HoldSeconds = 5;

    [Fact]
    public async Task Hold_AlwaysRefused_WaitsGrowJitteredCappedAndEndWithTheHold()
    {
        var first = await HoldWaitsAsync();
        var second = await HoldWaitsAsync();

        foreach (var waits in new[] { first, second })
        {
            Assert.All(waits, w => Assert.InRange(w, TimeSpan.Zero, RetryPipelines.HoldMaxDelay));
            // Exponential: the hold's later waits are longer than its first; the hold bounds their sum.
            Assert.True(waits.Skip(waits.Count / 2).Average(w => w.TotalMilliseconds) > 2 * RetryPipelines.HoldFirstDelay.TotalMilliseconds, string.Join(", ", waits));
            Assert.InRange(waits.Sum(w => w.TotalSeconds), HoldSeconds - RetryPipelines.HoldMaxDelay.TotalSeconds, HoldSeconds + RetryPipelines.HoldMaxDelay.TotalSeconds);
        }

        // Jittered: two requests held by the same outage do not come back in step.
        Assert.NotEqual(first.Take(5), second.Take(5));
    }

    [Fact]
    public async Task Immediate_RefusedThenExhausted_StopsWithoutWaiting()
    {
        var time = new FakeTimeProvider();
        var pipelines = new RetryPipelines(time);
        var outcomes = new Queue<AttemptOutcome>([AttemptOutcome.Refused, AttemptOutcome.Refused, AttemptOutcome.Exhausted, AttemptOutcome.Answered]);
        var attempts = 0;

        var result = await pipelines.Immediate.ExecuteAsync(_ =>
        {
            attempts++;
            return ValueTask.FromResult(outcomes.Dequeue());
        });

        Assert.Equal(AttemptOutcome.Exhausted, result);
        Assert.Equal(3, attempts);
    }

    /// <summary>The waits between the attempts of one hold whose every attempt is refused, as the pipeline asked the clock for them.</summary>
    private static async Task<List<TimeSpan>> HoldWaitsAsync()
    {
        var time = new RecordingTime();
        var pipeline = new RetryPipelines(time).Hold(HoldSeconds);
        var run = Task.Run(async () =>
        {
            try
            {
                await pipeline.ExecuteAsync(_ => ValueTask.FromResult(AttemptOutcome.Refused));
            }
            catch (TimeoutRejectedException)
            {
                // The hold ran out: how every such run ends.
                return;
            }

            throw new Xunit.Sdk.XunitException("the hold should end by its timeout");
        });

        var waits = new List<TimeSpan>();
        while (true)
        {
            var next = time.Timers.ReadAsync().AsTask();
            if (await Task.WhenAny(next, run) == run)
            {
                await run;
                return waits;
            }

            var due = await next;
            if (due < TimeSpan.FromSeconds(HoldSeconds))
            {
                waits.Add(due);
                time.Advance(due); // Only once the pipeline's timer exists: each wait is exactly what it asked for.
            }
        }
    }

    /// <summary>A fake clock that reports each timer it is asked for (Polly's waits go through <see cref="TimeProvider.CreateTimer"/>).</summary>
    private sealed class RecordingTime : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

        public ChannelReader<TimeSpan> Timers => _timers.Reader;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _timers.Writer.TryWrite(dueTime);
            }

            return timer;
        }
    }
}
