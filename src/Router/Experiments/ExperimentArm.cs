namespace Canary.Router.Experiments;

/// <summary>Raised by any counter that changed, so the flusher writes the file only when there is something new.</summary>
internal sealed class ChangeSignal
{
    private int _changed;

    public void Raise() => Volatile.Write(ref _changed, 1);

    /// <summary>Whether anything changed since the last call.</summary>
    public bool Take() => Interlocked.Exchange(ref _changed, 0) == 1;
}

/// <summary>One version's side of an experiment: the users exposed to it, and a counter per goal (in the goals' order).</summary>
internal sealed class ExperimentArm(string version, HyperLogLog exposed, GoalCounter[] goals, ChangeSignal changes)
{
    public string Version { get; } = version;

    public HyperLogLog Exposed { get; } = exposed;

    public GoalCounter[] Goals { get; } = goals;

    public ChangeSignal Changes { get; } = changes;

    public void Expose(ulong user)
    {
        if (Exposed.Add(user))
        {
            Changes.Raise();
        }
    }

    public void Convert(int goal, ulong user)
    {
        if (Goals[goal].Add(user))
        {
            Changes.Raise();
        }
    }

    public void Convert(int goal, ulong user, double value)
    {
        Goals[goal].AddValue(user, value);
        Changes.Raise();
    }
}
