namespace Canary.SampleApi;

internal sealed record FaultSettings(double ErrorRate, int LatencyMs)
{
    public const int MaxLatencyMs = 60_000;

    /// <summary>Returns the invalid field names with their messages; empty when valid.</summary>
    public static Dictionary<string, string[]> Validate(double? errorRate, int? latencyMs)
    {
        var errors = new Dictionary<string, string[]>();
        // Written as a negated range so NaN is rejected too.
        if (errorRate is { } rate && !(rate is >= 0 and <= 1))
        {
            errors["errorRate"] = ["errorRate must be between 0 and 1."];
        }
        if (latencyMs is < 0 or > MaxLatencyMs)
        {
            errors["latencyMs"] = [$"latencyMs must be between 0 and {MaxLatencyMs}."];
        }
        return errors;
    }
}

/// <summary>Current faults; readers see a whole settings snapshot, never a half-applied update.</summary>
internal sealed class FaultState(FaultSettings initial)
{
    private FaultSettings current = initial;

    public FaultSettings Current => Volatile.Read(ref current);

    public static FaultState FromConfiguration(IConfiguration configuration)
    {
        var errorRate = configuration.GetValue("Faults:ErrorRate", 0d);
        var latencyMs = configuration.GetValue("Faults:LatencyMs", 0);
        var errors = FaultSettings.Validate(errorRate, latencyMs);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(
                "Invalid Faults configuration: " + string.Join(" ", errors.Values.SelectMany(e => e)));
        }
        return new FaultState(new FaultSettings(errorRate, latencyMs));
    }

    public FaultSettings Update(double? errorRate, int? latencyMs)
    {
        while (true)
        {
            var seen = Current;
            var next = new FaultSettings(errorRate ?? seen.ErrorRate, latencyMs ?? seen.LatencyMs);
            if (Interlocked.CompareExchange(ref current, next, seen) == seen)
            {
                return next;
            }
        }
    }
}
