using Canary.Router.Routing;

namespace Canary.Router.Tests.Routing;

public sealed class AnonymousIdTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly byte[] OtherKey = [.. Enumerable.Range(101, 32).Select(i => (byte)i)];

    [Fact]
    public void Verify_CreatedValue_ReturnsItsId()
    {
        var ids = new AnonymousId(Key);
        var cookie = ids.Create();

        var id = ids.Verify(cookie);

        Assert.False(id.IsEmpty);
        Assert.Equal(AnonymousId.IdOf(cookie), id.ToString());
        Assert.Equal(cookie[..cookie.IndexOf('.', StringComparison.Ordinal)], id.ToString());
    }

    [Fact]
    public void Verify_SameKeyNewInstance_Accepted()
    {
        // What a restart or another replica with the same key does.
        var cookie = new AnonymousId(Key).Create();

        Assert.Equal(AnonymousId.IdOf(cookie), new AnonymousId([.. Key]).Verify(cookie).ToString());
    }

    [Fact]
    public void Create_ManyTimes_DistinctCookieSafeValues()
    {
        var ids = new AnonymousId(Key);
        var created = Enumerable.Range(0, 1000).Select(_ => ids.Create()).ToList();

        Assert.Equal(created.Count, created.Distinct(StringComparer.Ordinal).Count());
        Assert.All(created, value =>
        {
            Assert.Equal(2, value.Split('.').Length);
            Assert.All(value, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.', $"'{c}' in {value}"));
        });
    }

    [Fact]
    public void Verify_TamperedId_Rejected()
    {
        var ids = new AnonymousId(Key);
        var cookie = ids.Create();
        for (var i = 0; i < cookie.IndexOf('.', StringComparison.Ordinal); i++)
        {
            Assert.True(ids.Verify(Replace(cookie, i)).IsEmpty, $"id changed at {i} was accepted");
        }
    }

    [Fact]
    public void Verify_TamperedSignature_Rejected()
    {
        var ids = new AnonymousId(Key);
        var cookie = ids.Create();
        for (var i = cookie.IndexOf('.', StringComparison.Ordinal) + 1; i < cookie.Length; i++)
        {
            Assert.True(ids.Verify(Replace(cookie, i)).IsEmpty, $"signature changed at {i} was accepted");
        }
    }

    [Fact]
    public void Verify_SignatureOfAnotherId_Rejected()
    {
        var ids = new AnonymousId(Key);
        var first = ids.Create();
        var second = ids.Create();
        var dot = first.IndexOf('.', StringComparison.Ordinal);

        Assert.True(ids.Verify(first[..dot] + second[dot..]).IsEmpty);
    }

    [Fact]
    public void Verify_WrongLength_Rejected()
    {
        var ids = new AnonymousId(Key);
        var cookie = ids.Create();

        Assert.True(ids.Verify(cookie + "A").IsEmpty);
        Assert.True(ids.Verify(cookie.AsSpan(0, cookie.Length - 1)).IsEmpty);
        Assert.True(ids.Verify("A" + cookie).IsEmpty);
        Assert.True(ids.Verify("").IsEmpty);
        Assert.True(ids.Verify(cookie.AsSpan(0, cookie.IndexOf('.', StringComparison.Ordinal))).IsEmpty);
    }

    [Fact]
    public void Verify_DotMissing_Rejected()
    {
        var ids = new AnonymousId(Key);
        var cookie = ids.Create();

        Assert.True(ids.Verify(cookie.Replace('.', 'A')).IsEmpty);
    }

    [Fact]
    public void Verify_SignedWithOtherKey_Rejected()
    {
        var cookie = new AnonymousId(OtherKey).Create();

        Assert.True(new AnonymousId(Key).Verify(cookie).IsEmpty);
    }

    [Fact]
    public void Verify_NonAsciiOfRightLength_Rejected()
    {
        var ids = new AnonymousId(Key);
        var cookie = ids.Create();

        Assert.True(ids.Verify(new string('é', cookie.Length)).IsEmpty);
        Assert.True(ids.Verify("ü" + cookie[1..]).IsEmpty);
    }

    [Fact]
    public void Constructor_KeyShorterThan32Bytes_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnonymousId(new byte[31]));

    private static string Replace(string text, int index)
    {
        var chars = text.ToCharArray();
        chars[index] = chars[index] == 'A' ? 'B' : 'A';
        return new string(chars);
    }
}
