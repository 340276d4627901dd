using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Metrics;

namespace Canary.Bench.GuardSim;

/// <param name="Base">Both versions' error rate.</param>
/// <param name="CanaryRate">Canary requests a second.</param>
/// <param name="Weight">Percent of traffic on the canary; stable gets the rest.</param>
internal sealed record Cell(double Base, double CanaryRate, double Weight)
{
    public double StableRate => CanaryRate * (100 - Weight) / Weight;
}

/// <summary>One simulated canary: both rules fed the same counts.</summary>
/// <param name="ticksPerSecond">Looks a second: 10 is the guard loop's 100 ms period; 1 for the hour-long grid, so it runs in minutes.</param>
internal sealed class Simulation(GuardOptions options, int ticksPerSecond)
{
    public int TicksPerSecond { get; } = ticksPerSecond;

    private readonly Windows _windows = new(options.WindowSeconds);
    private GuardEvidence _evidence = GuardEvidence.None;
    private long _quietCanary;
    private long _quietStable;

    public bool OldFired { get; private set; }

    public bool NewFired { get; private set; }

    /// <summary>Identical versions for the whole run: did either rule roll the canary back?</summary>
    public static (bool Old, bool New) Null(GuardOptions options, Cell cell, int seconds, Rng rng)
    {
        var run = new Simulation(options, ticksPerSecond: 1);
        for (var tick = 0; tick < seconds * run.TicksPerSecond && !(run.OldFired && run.NewFired); tick++)
        {
            run.Tick(tick, cell, cell.Base, rng, judge: true);
        }

        return (run.OldFired, run.NewFired);
    }

    /// <summary>
    /// A healthy spell of <paramref name="healthySeconds"/> (counted, not judged), then every canary request fails. Judged on each canary failure, as the
    /// loop is woken by it (and as the old rule judged on the request thread): failed requests until each rule acts.
    /// </summary>
    public static (double Old, double New) Dead(GuardOptions options, Cell cell, int healthySeconds, Rng rng)
    {
        var run = new Simulation(options, ticksPerSecond: 1);
        for (var tick = 0; tick < healthySeconds * run.TicksPerSecond; tick++)
        {
            run.Tick(tick, cell, cell.Base, rng, judge: false);
        }

        double time = healthySeconds, oldFailed = double.NaN, newFailed = double.NaN;
        for (var failed = 1; failed <= 5000 && (double.IsNaN(oldFailed) || double.IsNaN(newFailed)); failed++)
        {
            // The next canary request, and stable's traffic meanwhile.
            var gap = rng.Exponential(cell.CanaryRate);
            time += gap;
            var stableFailures = rng.Poisson(cell.StableRate * cell.Base * gap);
            var stableRequests = stableFailures + rng.Poisson(cell.StableRate * (1 - cell.Base) * gap);
            run.Judge(time, 1, 1, stableRequests, stableFailures);
            if (run.OldFired && double.IsNaN(oldFailed))
            {
                oldFailed = failed;
            }

            if (run.NewFired && double.IsNaN(newFailed))
            {
                newFailed = failed;
            }
        }

        return (oldFailed, newFailed);
    }

    /// <summary>A canary failing at <paramref name="canaryError"/> from the start: seconds until each rule acts, and the canary's requests by then (new rule).</summary>
    public static (double OldSeconds, double NewSeconds, double NewRequests) Detect(GuardOptions options, Cell cell, double canaryError, Rng rng)
    {
        var run = new Simulation(options, ticksPerSecond: 10);
        double oldAt = double.NaN, newAt = double.NaN, newRequests = double.NaN;
        long canaryRequests = 0;
        for (var tick = 0; tick < 3600 * run.TicksPerSecond && (double.IsNaN(oldAt) || double.IsNaN(newAt)); tick++)
        {
            canaryRequests += run.Tick(tick, cell, canaryError, rng, judge: true);
            var at = (tick + 1) / (double)run.TicksPerSecond;
            if (run.OldFired && double.IsNaN(oldAt))
            {
                oldAt = at;
            }

            if (run.NewFired && double.IsNaN(newAt))
            {
                newAt = at;
                newRequests = canaryRequests;
            }
        }

        return (oldAt, newAt, newRequests);
    }

    /// <returns>The canary's requests in the tick.</returns>
    private long Tick(int tick, Cell cell, double canaryError, Rng rng, bool judge)
    {
        var dt = 1.0 / TicksPerSecond;
        var canaryFailures = rng.Poisson(cell.CanaryRate * canaryError * dt);
        var canaryRequests = canaryFailures + rng.Poisson(cell.CanaryRate * (1 - canaryError) * dt);
        var stableFailures = rng.Poisson(cell.StableRate * cell.Base * dt);
        var stableRequests = stableFailures + rng.Poisson(cell.StableRate * (1 - cell.Base) * dt);
        if (judge)
        {
            Judge((tick + 1) / (double)TicksPerSecond, canaryRequests, canaryFailures, stableRequests, stableFailures);
        }
        else
        {
            _windows.Add(tick / TicksPerSecond, canaryRequests, canaryFailures, stableRequests, stableFailures);
            _evidence = GuardPolicy.Add(options, _evidence, Windows.Counts(canaryRequests, canaryFailures), Windows.Counts(stableRequests, stableFailures), (tick + 1) / (double)TicksPerSecond);
        }

        return canaryRequests;
    }

    /// <summary>One look of the guard at the counts since its last look.</summary>
    /// <param name="time">Seconds since the canary's life began.</param>
    private void Judge(double time, long canaryRequests, long canaryFailures, long stableRequests, long stableFailures)
    {
        var second = (long)Math.Ceiling(time) - 1;
        if (canaryRequests == 0 && stableRequests == 0)
        {
            return;
        }

        _windows.Add(second, canaryRequests, canaryFailures, stableRequests, stableFailures);

        // Evidence only rises with failures: looks without any are taken together with the next one that has some
        // (exactly as valid: the one-sample ratio multiplies, and where an interval ends never depends on which side failed).
        _quietCanary += canaryRequests;
        _quietStable += stableRequests;
        if (canaryFailures + stableFailures == 0)
        {
            return;
        }

        var (canary, stable) = _windows.Read(second, options.WindowSeconds);
        if (!NewFired)
        {
            _evidence = GuardPolicy.Add(options, _evidence, Windows.Counts(_quietCanary, canaryFailures), Windows.Counts(_quietStable, stableFailures), time);
            NewFired = GuardPolicy.Breach(options, _evidence, canary, stable) is not null;
        }

        _quietCanary = _quietStable = 0;

        if (!OldFired)
        {
            var (recentCanary, recentStable) = _windows.Read(second, 1);
            OldFired = OldRule.Breach(options, canary, stable, recentCanary, recentStable);
        }
    }
}

/// <summary>
/// The fixed-horizon sample size for the same decision: the canary requests a one-sided z-test at the error half of
/// FalseRollbackRate needs to tell the canary's rate from both nulls (MaxErrorRate, and stable's rate plus the
/// margin, with stable's traffic in the weight's proportion) at the given power; the larger of the two.
/// </summary>
internal static class FixedHorizon
{
    public static double CanaryRequests(GuardOptions options, double canaryError, double stableError, double weight, double power)
    {
        var zAlpha = InverseNormal(1 - (options.FalseRollbackRate / 2));
        var zBeta = InverseNormal(power);
        var p0 = options.MaxErrorRate;
        var oneSample = Math.Pow(((zAlpha * Math.Sqrt(p0 * (1 - p0))) + (zBeta * Math.Sqrt(canaryError * (1 - canaryError)))) / (canaryError - p0), 2);
        var stablePerCanary = (100 - weight) / weight;
        var variance = (canaryError * (1 - canaryError)) + (stableError * (1 - stableError) / stablePerCanary);
        var twoSample = Math.Pow(zAlpha + zBeta, 2) * variance / Math.Pow(canaryError - stableError - options.MaxErrorRateAboveStable, 2);
        return Math.Max(oneSample, twoSample);
    }

    /// <summary>Acklam's rational approximation of the standard normal quantile (relative error below 1.2e-9).</summary>
    private static double InverseNormal(double p)
    {
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        if (p < 0.02425)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((((c[0] * q) + c[1]) * q) + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((((d[0] * q) + d[1]) * q) + d[2]) * q + d[3]) * q + 1);
        }

        if (p > 1 - 0.02425)
        {
            return -InverseNormal(1 - p);
        }

        var r = (p - 0.5) * (p - 0.5);
        var s = p - 0.5;
        return (((((((a[0] * r) + a[1]) * r) + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * s / (((((((b[0] * r) + b[1]) * r) + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
