namespace Canary.Router.Experiments;

/// <summary>
/// One goal's counts in one version: the users who converted (a HyperLogLog, so a user converting twice counts once)
/// and, for numeric goals, every value sent (count, sum, sum of squares). Values are per conversion, not per user:
/// a user who rates twice adds two values.
/// </summary>
internal sealed class GoalCounter
{
    private readonly Lock _values = new();
    private long _count;
    private double _sum;
    private double _sumOfSquares;

    public GoalCounter()
        : this(new HyperLogLog(), 0, 0, 0)
    {
    }

    public GoalCounter(HyperLogLog users, long count, double sum, double sumOfSquares)
    {
        Users = users;
        _count = count;
        _sum = sum;
        _sumOfSquares = sumOfSquares;
    }

    public HyperLogLog Users { get; }

    /// <returns>Whether anything worth saving changed.</returns>
    public bool Add(ulong user) => Users.Add(user);

    public void AddValue(ulong user, double value)
    {
        Users.Add(user);
        lock (_values)
        {
            _count++;
            _sum += value;
            _sumOfSquares += value * value;
        }
    }

    public GoalCounts Snapshot()
    {
        var users = Users.Count();
        lock (_values)
        {
            return new GoalCounts(users, _count, _sum, _sumOfSquares);
        }
    }
}
