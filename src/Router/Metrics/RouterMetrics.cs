using System.Diagnostics.Metrics;
using Prometheus;

namespace Canary.Router.Metrics;

/// <summary>
/// The metric families of the contract, in one Prometheus registry per router (so two routers in one test process
/// never mix figures), and the same figures as OpenTelemetry instruments on the <see cref="MeterName"/> meter.
/// Labels are release, route, version and status class only: never user ids or raw paths.
/// </summary>
internal sealed class RouterMetrics : IDisposable
{
    public const string MeterName = "Canary.Router";

    /// <summary>About 1 ms to 10 s: where web latencies live.</summary>
    public static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The values of the rollbacks' reason label.</summary>
    public static readonly string[] RollbackReasons = [Guard.GuardVerdict.ErrorRateReason, Guard.GuardVerdict.LatencyReason, State.ChangeCause.OperatorCode];

    private readonly Meter _meter = new(MeterName);

    public RouterMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);

        // Exemplars (trace ids on samples) would cost ~130 ns per request while an Activity exists, and only the
        // OpenMetrics format shows them; traces carry the version already.
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        Requests = factory.CreateCounter("canary_requests_total", "Requests proxied, by release, route, version and status class (error: no response from the backend).",
            new CounterConfiguration { LabelNames = ["release", "route", "version", "code"] });
        Duration = factory.CreateHistogram("canary_request_duration_seconds", "Time from the request reaching the router to the end of the response, by release, route and version.",
            new HistogramConfiguration { LabelNames = ["release", "route", "version"], Buckets = DurationBuckets });
        Weight = factory.CreateGauge("canary_weight_percent", "Percent of users on the canary version.",
            new GaugeConfiguration { LabelNames = ["release"] });
        Rollbacks = factory.CreateCounter("canary_rollbacks_total", "Rollbacks, by release and reason (guard_error_rate, guard_latency, operator).",
            new CounterConfiguration { LabelNames = ["release", "reason"] });
        GuardErrorRate = factory.CreateGauge("canary_guard_error_rate", "Error rate (5xx and transport errors) over the guard's window, by release and version.",
            new GaugeConfiguration { LabelNames = ["release", "version"] });
        ReloadFailures = factory.CreateCounter("canary_config_reload_failures_total", "router.json changes that were refused; the running configuration stayed.");
        StateWriteFailures = factory.CreateCounter("canary_state_write_failures_total", "Writes of the state file that failed (an operator change refused, or a guard rollback or reload written later).");
        StoreUp = factory.CreateGauge("canary_store_up", "1 while the state store answers (the state file, or Redis in replica mode); 0 while Redis is unreachable and the router serves the last state it had.");
        StoreUp.Set(1);
        Faults = factory.CreateCounter("canary_faults_total", "Unexpected errors the router caught and survived, by component (reload, guard, state).",
            new CounterConfiguration { LabelNames = ["component"] });
        GoalConversions = factory.CreateCounter("canary_goal_conversions_total", "Users who reached each goal in the running experiment (HyperLogLog estimate; starts again at 0 with each experiment).",
            new CounterConfiguration { LabelNames = ["release", "version", "goal"] });
        ExperimentUsers = factory.CreateGauge("canary_experiment_users", "Users exposed to each version in the running experiment (HyperLogLog estimate).",
            new GaugeConfiguration { LabelNames = ["release", "version"] });
        Notifications = factory.CreateCounter("canary_notifications_total", "Decisions sent to each Router.Notify target, by result (delivered; failed after every retry; dropped: the target's queue was full).",
            new CounterConfiguration { LabelNames = ["target", "result"] });

        OtelRequests = _meter.CreateCounter<long>("canary.requests", "{request}", "Requests proxied, by release, route, version and status class.");
        OtelDuration = _meter.CreateHistogram<double>("canary.request.duration", "s", "Request duration through the router, by release, route and version.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    public Histogram Duration { get; }

    public Gauge Weight { get; }

    public Counter Rollbacks { get; }

    public Gauge GuardErrorRate { get; }

    public Counter ReloadFailures { get; }

    public Counter StateWriteFailures { get; }

    public Gauge StoreUp { get; }

    public Counter Faults { get; }

    public Counter GoalConversions { get; }

    public Gauge ExperimentUsers { get; }

    public Counter Notifications { get; }

    public Counter<long> OtelRequests { get; }

    public Histogram<double> OtelDuration { get; }

    /// <summary>
    /// Creates every release's series at their current values, rollbacks at zero for each reason, so that
    /// increase() sees the first rollback after a start or after a reload adds a release.
    /// </summary>
    public void Publish(IEnumerable<State.ReleaseState> releases)
    {
        foreach (var release in releases)
        {
            Weight.WithLabels(release.Name).Set(release.Weight);
            foreach (var reason in RollbackReasons)
            {
                Rollbacks.WithLabels(release.Name, reason);
            }
        }
    }

    /// <summary>Keeps the release series in step with a committed change: new releases appear, removed ones go.</summary>
    public void OnCommit(State.Commit commit)
    {
        Publish(commit.Added);
        foreach (var change in commit.Changed)
        {
            OnChange(change);
        }

        foreach (var removed in commit.Removed)
        {
            Weight.RemoveLabelled(removed.Name);
        }
    }

    /// <summary>Keeps the weight gauge and the rollback counter in step with the release state.</summary>
    public void OnChange(State.ReleaseChange change)
    {
        Weight.WithLabels(change.After.Name).Set(change.After.Weight);
        if (change.After.Phase == State.ReleasePhase.RolledBack && change.Before.Phase != State.ReleasePhase.RolledBack)
        {
            Rollbacks.WithLabels(change.After.Name, change.Cause.Code).Inc();
        }
    }

    public void Dispose() => _meter.Dispose();
}
