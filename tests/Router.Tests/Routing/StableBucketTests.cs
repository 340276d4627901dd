using System.Globalization;
using System.Text;
using Canary.Router.Routing;
using Canary.Router.State;

namespace Canary.Router.Tests.Routing;

public sealed class StableBucketTests
{
    private const int KeyCount = 100_000;

    // How far (in standard deviations of the binomial) a count may stray from its expectation.
    private const double Tolerance = 4.5;

    [Theory]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(50.0)]
    public void Of_ManyKeys_CanaryShareMatchesWeight(double weightPercent)
    {
        var threshold = (int)(weightPercent * 100);
        var onCanary = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            if (StableBucket.Of("shop", Key(i)) < threshold)
            {
                onCanary++;
            }
        }

        AssertBinomial(onCanary, KeyCount, weightPercent / 100);
    }

    [Fact]
    public void Of_ManyKeys_EveryDecileEquallyFilled()
    {
        // A coarser view than the weight check: a hash that piles keys up anywhere in 0..9999 shows here.
        var deciles = new int[10];
        for (var i = 0; i < KeyCount; i++)
        {
            deciles[StableBucket.Of("shop", Key(i)) / 1000]++;
        }

        foreach (var count in deciles)
        {
            AssertBinomial(count, KeyCount, 0.1);
        }
    }

    [Fact]
    public void Of_SameInput_SameBucket()
    {
        for (var i = 0; i < 1000; i++)
        {
            var key = Key(i);
            Assert.Equal(StableBucket.Of("shop", key), StableBucket.Of("shop", key));
            Assert.Equal(StableBucket.Of("shop", key), StableBucket.Of("shop", new string(key.AsSpan())));
        }
    }

    /// <summary>
    /// The stability contract across releases, replicas and SDKs: these buckets must never change, or users
    /// would switch versions on upgrade. Computed once from the documented algorithm.
    /// </summary>
    [Theory]
    [InlineData("shop", "alice", 7620)]
    [InlineData("shop", "bob", 3211)]
    [InlineData("shop", "user-42", 2255)]
    [InlineData("shop", "", 790)]
    [InlineData("blog", "alice", 3989)]
    [InlineData("shop", "Zoë", 5316)]
    [InlineData("shop", "用户", 3952)]
    [InlineData("shop", "👩‍💻", 4941)]
    public void Of_KnownKeys_PinnedBuckets(string release, string key, int expected) =>
        Assert.Equal(expected, StableBucket.Of(release, key));

    [Fact]
    public void Of_ManyKeys_MatchesDocumentedAlgorithm()
    {
        // FNV-1a 64 over UTF-8(release) + 0x00 + UTF-8(key), then fmix64, mod 10000: what the README tells other tools.
        for (var i = 0; i < 2000; i++)
        {
            var key = Key(i);
            Assert.Equal(Reference("shop", key), StableBucket.Of("shop", key));
        }
    }

    [Theory]
    [InlineData("shop", "Zoë")]
    [InlineData("shop", "ünïcødé-ÄÖÜ")]
    [InlineData("shop", "用户-测试")]
    [InlineData("shop", "👩‍💻 emoji with ZWJ")]
    [InlineData("shop", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral")]
    [InlineData("shop", "\uD800 lone high surrogate")]
    [InlineData("shop", "lone low surrogate \uDC00")]
    [InlineData("shop", "high surrogate at the end \uD83D")]
    [InlineData("магазин", "пользователь")]
    public void Of_NonAsciiKey_MatchesUtf8OfTheKey(string release, string key)
    {
        var bucket = StableBucket.Of(release, key);

        Assert.InRange(bucket, 0, ReleaseState.BucketCount - 1);
        Assert.Equal(Reference(release, key), bucket);
    }

    [Fact]
    public void Of_NonAsciiKeys_SpreadLikeAsciiKeys()
    {
        var onCanary = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            if (StableBucket.Of("shop", "пользователь-" + i.ToString(CultureInfo.InvariantCulture) + "-用户") < 5000)
            {
                onCanary++;
            }
        }

        AssertBinomial(onCanary, KeyCount, 0.5);
    }

    [Fact]
    public void Of_DifferentReleases_IndependentBuckets()
    {
        // At 50% in both releases, independent buckets put a quarter of users on both canaries.
        var onBoth = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            var key = Key(i);
            if (StableBucket.Of("shop", key) < 5000 && StableBucket.Of("blog", key) < 5000)
            {
                onBoth++;
            }
        }

        AssertBinomial(onBoth, KeyCount, 0.25);
    }

    [Fact]
    public void Of_ReleaseAndKeyBoundary_IsPartOfTheHash()
    {
        // The zero byte between release and key keeps ("ab", "c") apart from ("a", "bc").
        var differ = 0;
        for (var i = 0; i < 100; i++)
        {
            var suffix = i.ToString(CultureInfo.InvariantCulture);
            if (StableBucket.Of("shop" + suffix, "x") != StableBucket.Of("shop", suffix + "x"))
            {
                differ++;
            }
        }

        // Equal by chance for about 1 pair in 10000.
        Assert.True(differ >= 98, $"only {differ} of 100 split pairs got different buckets");
    }

    [Fact]
    public void Of_AnyKey_InBucketRange()
    {
        var min = int.MaxValue;
        var max = int.MinValue;
        for (var i = 0; i < KeyCount; i++)
        {
            var bucket = StableBucket.Of("shop", Key(i));
            min = Math.Min(min, bucket);
            max = Math.Max(max, bucket);
        }

        Assert.InRange(min, 0, ReleaseState.BucketCount - 1);
        Assert.InRange(max, 0, ReleaseState.BucketCount - 1);

        // 100,000 keys over 10,000 buckets reach both ends of the range.
        Assert.True(min <= 5, $"lowest bucket {min}");
        Assert.True(max >= ReleaseState.BucketCount - 6, $"highest bucket {max}");
    }

    private static string Key(int i) => "user-" + i.ToString(CultureInfo.InvariantCulture);

    private static void AssertBinomial(int count, int n, double p)
    {
        var expected = n * p;
        var sd = Math.Sqrt(n * p * (1 - p));
        Assert.True(Math.Abs(count - expected) <= Tolerance * sd,
            $"{count} of {n} where {expected:F0} ± {Tolerance * sd:F0} ({Tolerance} sd) was expected");
    }

    private static int Reference(string release, string key)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(release + "\0" + key))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return (int)(hash % 10_000);
    }
}
