namespace Canary.Router.Experiments;

/// <summary>The fixed choices of the experiment statistics, in one place; the README's experiments section lists them.</summary>
internal static class StatisticsSettings
{
    /// <summary>Two-sided: 95% intervals, fixed-horizon and sequential.</summary>
    public const double Alpha = 0.05;

    /// <summary>Where the confidence sequence is tightest, in observations (GrowthBook's default).</summary>
    public const double SequentialTuning = 5000;

    /// <summary>Below this p-value the user split is called a sample ratio mismatch (GrowthBook's threshold).</summary>
    public const double SampleRatioThreshold = 0.001;

    /// <summary>Users per version before any verdict: the normal approximations need some data.</summary>
    public const long MinUsersPerVersion = 100;

    /// <summary>Values per version before a numeric goal's verdict.</summary>
    public const long MinValuesPerVersion = 30;
}
