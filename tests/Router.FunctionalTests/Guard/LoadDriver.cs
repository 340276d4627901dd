using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.Routing;

namespace Canary.Router.FunctionalTests.Guard;

/// <summary>One request of a steady load: when it was sent and answered, and what came back (status 0: no response at all).</summary>
internal sealed record Outcome(DateTimeOffset SentAt, DateTimeOffset ReceivedAt, string? User, HttpStatusCode Status, string? Backend, string? Instance, string? Error)
{
    public bool Failed => Status != HttpStatusCode.OK;

    public override string ToString() =>
        $"{SentAt:HH:mm:ss.fff} user {User}: {(int)Status} from {Backend ?? "-"} {Instance} {Error}";
}

/// <summary>
/// A steady load: a few loops each sending one request after another (with a short pause, so the processes on a
/// small machine keep some CPU), recording every outcome until stopped.
/// </summary>
internal sealed class LoadDriver : IAsyncDisposable
{
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly ConcurrentDictionary<int, DateTimeOffset> _inFlight = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;

    private LoadDriver(Func<int, (string? User, Func<Task<Reply>> Send)> next, int concurrency, TimeSpan pause)
    {
        var sequence = 0;
        _loops = [.. Enumerable.Range(0, concurrency).Select(loop => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var (user, send) = next(Interlocked.Increment(ref sequence));
                var sent = DateTimeOffset.UtcNow;
                _inFlight[loop] = sent;
                Outcome outcome;
                try
                {
                    var reply = await send();
                    outcome = new Outcome(sent, DateTimeOffset.UtcNow, user, reply.Status, reply.Backend, reply.Instance, null);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    outcome = new Outcome(sent, DateTimeOffset.UtcNow, user, 0, null, null, e.GetType().Name + ": " + e.Message);
                }

                _outcomes.Enqueue(outcome);
                _inFlight.TryRemove(loop, out _);
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause);
                }
            }
        }))];
    }

    /// <summary>Every outcome so far, in the order they were answered.</summary>
    public IReadOnlyList<Outcome> Outcomes => [.. _outcomes];

    /// <summary>GETs of <paramref name="path"/>, each from a new random user id.</summary>
    public static LoadDriver RandomUsers(LiveRouter router, string path = "/api/version", int concurrency = 4, int pauseMs = 5) =>
        new(_ =>
        {
            var user = "user-" + Guid.NewGuid().ToString("N");
            return (user, () => router.GetAsync(path, user));
        }, concurrency, TimeSpan.FromMilliseconds(pauseMs));

    /// <summary>GETs of <paramref name="path"/> without a user key.</summary>
    public static LoadDriver Anonymous(LiveRouter router, string path = "/api/version", int concurrency = 3, int pauseMs = 5) =>
        new(_ => (null, () => router.GetAsync(path)), concurrency, TimeSpan.FromMilliseconds(pauseMs));

    public int Count(Func<Outcome, bool> predicate) => _outcomes.Count(predicate);

    /// <summary>Waits (bounded) until at least <paramref name="count"/> outcomes match.</summary>
    public async Task WaitForAsync(Func<Outcome, bool> predicate, int count, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Count(predicate) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"The load did not see {count} × {what} within {timeout}; {Count(predicate)} so far. Last outcomes:{Environment.NewLine}{Tail()}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits (bounded) until every request sent before <paramref name="time"/> has been answered.</summary>
    public async Task WaitForAnswersToRequestsSentBeforeAsync(DateTimeOffset time, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_inFlight.Values.Any(sent => sent < time))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Requests sent before {time:HH:mm:ss.fff} still unanswered after {timeout}");
            }

            await Task.Delay(20);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    public string Tail(int count = 10) => string.Join(Environment.NewLine, Outcomes.TakeLast(count));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}

/// <summary>User ids picked by the documented bucket rule, so a test knows each one's version in advance.</summary>
internal static class Users
{
    public static bool OnCanary(string user, double weightPercent) => StableBucket.Of(LiveRouter.Release, user) < weightPercent * 100;

    /// <summary>The first <paramref name="count"/> users named <c>PREFIX-N</c> that the weight puts on the canary (or on stable).</summary>
    public static List<string> Pick(string prefix, int count, double weightPercent, bool onCanary) =>
        [.. Enumerable.Range(0, 100_000).Select(i => prefix + "-" + i.ToString(CultureInfo.InvariantCulture))
            .Where(u => OnCanary(u, weightPercent) == onCanary).Take(count)];
}

/// <summary>Bounded waits for the router to reach a state.</summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what, Func<T, string>? show = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Not {what} within {timeout}; last seen: {(show is null ? value?.ToString() : show(value))}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>
    /// The guard's one event in the decision log, once it is there: a state is published before the log (an observer of
    /// the commit) records it, so a state read as rolled back may come a moment before its event.
    /// </summary>
    public static async Task<JsonObject> GuardEventAsync(LiveRouter router)
    {
        var events = await UntilAsync(router.EventsAsync, e => e.Objects().Any(IsGuard), TimeSpan.FromSeconds(10), "the guard's event", e => e.ToJsonString());
        return Assert.Single(events.Objects(), IsGuard);

        static bool IsGuard(JsonObject e) => e.Text("actor") == "guard";
    }
}
