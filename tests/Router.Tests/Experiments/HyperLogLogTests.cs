using System.Globalization;
using Canary.Router.Experiments;

namespace Canary.Router.Tests.Experiments;

public sealed class HyperLogLogTests
{
    [Fact]
    public void Count_Empty_Zero()
    {
        Assert.Equal(0, new HyperLogLog().Count());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    public void Count_FewUsers_Exact(int users)
    {
        // Below a few hundred users collisions among 16384 registers are rare: the estimate is the count.
        Assert.Equal(users, Sketch("small", users).Count());
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(20_000)]
    [InlineData(100_000)]
    [InlineData(1_000_000)]
    public void Count_ManyUsers_WithinFourStandardErrors(int users)
    {
        var estimate = Sketch("many", users).Count();

        // 4 x 0.81%: a correct sketch strays this far about once in 15,000 runs.
        var error = Math.Abs(estimate - users) / (double)users;
        Assert.True(error < 4 * HyperLogLog.LargeRangeError, $"estimate {estimate} for {users} users: {error:P2} off");
    }

    [Fact]
    public void Count_TwentySketchesOf100kUsers_RootMeanSquareErrorNearRedisPrecision()
    {
        // The standard error of p = 14 is 1.04/sqrt(16384) = 0.81%; 20 independent sketches give an RMS whose
        // sampling spread is about 16%, so 0.5%..1.2% holds unless the hash or the estimator is off.
        var squares = 0.0;
        const int sketches = 20, users = 100_000;
        for (var s = 0; s < sketches; s++)
        {
            var error = (Sketch($"run{s}-", users).Count() - users) / (double)users;
            squares += error * error;
        }

        var rms = Math.Sqrt(squares / sketches);
        Assert.InRange(rms, 0.005, 0.012);
    }

    [Fact]
    public void Add_SameUserManyTimes_CountedOnce()
    {
        var sketch = new HyperLogLog();
        var hash = UserHash.Of("user-42");
        Assert.True(sketch.Add(hash));
        for (var i = 0; i < 1000; i++)
        {
            Assert.False(sketch.Add(hash));
        }

        Assert.Equal(1, sketch.Count());
    }

    [Fact]
    public void Merge_TwoOverlappingSketches_EqualsSketchOfTheUnion()
    {
        var a = Sketch("u", 30_000);
        var b = new HyperLogLog();
        var union = Sketch("u", 30_000);
        for (var i = 20_000; i < 50_000; i++)
        {
            b.Add(UserHash.Of("u" + i.ToString(CultureInfo.InvariantCulture)));
            union.Add(UserHash.Of("u" + i.ToString(CultureInfo.InvariantCulture)));
        }

        a.Merge(b);

        Assert.Equal(union.Registers(), a.Registers());
    }

    [Fact]
    public void FromRegisters_RoundTrip_SameCount()
    {
        var sketch = Sketch("round", 5_000);
        var restored = HyperLogLog.FromRegisters(sketch.Registers());
        Assert.NotNull(restored);
        Assert.Equal(sketch.Count(), restored.Count());
    }

    [Fact]
    public void New_NobodyCounted_HoldsNoRegisters()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sketch = new HyperLogLog();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // An idle release's experiment: two of these, which with 1,000 releases were 32 MB of zeros.
        Assert.True(allocated < 100, $"{allocated} bytes");
        Assert.Empty(sketch.Registers());
        sketch.Add(UserHash.Of("first"));
        Assert.Equal(HyperLogLog.RegisterCount, sketch.Registers().Length);
    }

    [Fact]
    public void Merge_EmptySketches_StayEmptyOrTakeTheOther()
    {
        var empty = new HyperLogLog();
        empty.Merge(new HyperLogLog());
        Assert.Empty(empty.Registers());

        var users = Sketch("m", 1_000);
        empty.Merge(users);
        Assert.Equal(users.Registers(), empty.Registers());
    }

    [Fact]
    public void FromRegisters_Empty_EmptySketchThatCounts()
    {
        var restored = HyperLogLog.FromRegisters([]);
        Assert.NotNull(restored);
        Assert.Equal(0, restored.Count());
        restored.Add(UserHash.Of("one"));
        Assert.Equal(1, restored.Count());
    }

    [Fact]
    public void FromRegisters_WrongLengthOrRank_Refused()
    {
        Assert.Null(HyperLogLog.FromRegisters(new byte[100]));
        var bad = new byte[HyperLogLog.RegisterCount];
        bad[7] = HyperLogLog.MaxRank + 1;
        Assert.Null(HyperLogLog.FromRegisters(bad));
    }

    [Fact]
    public void Add_FromManyThreads_NoUserLost()
    {
        var sketch = new HyperLogLog();
        Parallel.For(0, 8, thread =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                sketch.Add(UserHash.Of("t" + (i + (thread * 25_000)).ToString(CultureInfo.InvariantCulture)));
            }
        });

        Assert.Equal(sketch.Registers(), Sketch("t", 200_000).Registers());
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1000, 0.00558104386110310531)] // mpmath: sqrt(m(e^t - t - 1))/n, t = n/m, m = 16384
    [InlineData(40000, 0.008125)] // 1.04/sqrt(16384)
    [InlineData(1000000, 0.008125)]
    public void RelativeError_ByCount_LinearCountingThenLargeRange(double count, double expected)
    {
        Assert.Equal(expected, HyperLogLog.RelativeError(count), 12);
    }

    private static HyperLogLog Sketch(string prefix, int users)
    {
        var sketch = new HyperLogLog();
        for (var i = 0; i < users; i++)
        {
            sketch.Add(UserHash.Of(prefix + i.ToString(CultureInfo.InvariantCulture)));
        }

        return sketch;
    }
}
