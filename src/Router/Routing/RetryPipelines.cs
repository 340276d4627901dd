using System.Collections.Concurrent;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Canary.Router.Routing;

/// <summary>What one forwarding attempt of a retry came to.</summary>
internal enum AttemptOutcome
{
    /// <summary>A backend answered (or the request cannot go on): nothing more to try.</summary>
    Answered,

    /// <summary>No backend saw the request (connection refused, no destination): the next attempt may go.</summary>
    Refused,

    /// <summary>Refused, and no destination is left to try.</summary>
    Exhausted,
}

/// <summary>
/// The Polly pipelines of the proxy's retries. Which destination an attempt goes to is the attempt's own choice
/// (<see cref="CohortRoutingMiddleware"/>); these only say when another attempt goes.
/// </summary>
internal sealed class RetryPipelines(TimeProvider time)
{
    /// <summary>The in-place outage hold's first wait; later waits grow exponentially, jittered, up to <see cref="HoldMaxDelay"/>.</summary>
    public static readonly TimeSpan HoldFirstDelay = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan HoldMaxDelay = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<int, ResiliencePipeline<AttemptOutcome>> _holds = new();

    /// <summary>
    /// Another destination at once, as long as the last attempt was refused and left one to try: a refused
    /// connection costs a round trip on the same host, so a wait would only delay the user.
    /// </summary>
    public ResiliencePipeline<AttemptOutcome> Immediate { get; } = new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions<AttemptOutcome>
        {
            ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result == AttemptOutcome.Refused),
            MaxRetryAttempts = int.MaxValue, // Bounded by the destinations, each tried once (the attempt says Exhausted).
            Delay = TimeSpan.Zero,
            BackoffType = DelayBackoffType.Constant,
        })
        .Build();

    /// <summary>
    /// The in-place outage hold: the same version again and again, for at most <paramref name="holdSeconds"/>, with
    /// exponential jittered waits, so the requests held during a restart do not all hit the new process at once.
    /// Ends by <see cref="TimeoutRejectedException"/> when the hold runs out.
    /// </summary>
    public ResiliencePipeline<AttemptOutcome> Hold(int holdSeconds) => _holds.GetOrAdd(holdSeconds, static (seconds, time) =>
        new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = time }
            .AddTimeout(TimeSpan.FromSeconds(seconds))
            .AddRetry(new RetryStrategyOptions<AttemptOutcome>
            {
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result != AttemptOutcome.Answered),
                MaxRetryAttempts = int.MaxValue, // Bounded by the timeout above.
                Delay = HoldFirstDelay,
                MaxDelay = HoldMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build(), time);
}
