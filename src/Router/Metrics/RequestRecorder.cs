using Canary.Router.Guard;
using Canary.Router.Routing;

namespace Canary.Router.Metrics;

/// <summary>
/// The one place a finished request is recorded: its version's counters, duration and guard window; a failure of
/// the canary has the guard judge the release at once.
/// </summary>
internal sealed class RequestRecorder(TimeProvider time, GuardMonitor guard, State.ReleaseStore store)
{
    public long Start() => time.GetTimestamp();

    /// <returns>The request's status class, so the caller need not classify it again.</returns>
    public StatusClass Record(HttpContext context, RouteBinding binding, VersionTarget target, long started)
    {
        var now = time.GetTimestamp();
        if (StatusClasses.Of(context) is not { } status)
        {
            return StatusClass.ClientError4xx; // The client's doing, not the version's: neither counted nor judged.
        }

        target.Meters.Record(status, time.GetElapsedTime(started, now), RequestWindow.SecondOf(time, now));
        if (status.IsFailure() && store.Get(binding.ReleaseName)?.Canary == target.Version)
        {
            guard.Evaluate(binding.ReleaseName);
        }

        return status;
    }
}
