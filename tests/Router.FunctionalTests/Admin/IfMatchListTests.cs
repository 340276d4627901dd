namespace Canary.Router.FunctionalTests.Admin;

/// <summary>If-Match as RFC 9110 13.1.1 has it: a list of entity tags, any of which may be the current one, or *.</summary>
public sealed class IfMatchListTests
{
    [Theory]
    [InlineData("\"0\", \"1\"")]
    [InlineData("\"1\",\"7\"")]
    [InlineData("W/\"0\", \"1\"")]
    [InlineData("*")]
    public async Task PutWeight_IfMatchListNamingTheCurrentRevision_Applied(string ifMatch)
    {
        await using var rig = await AdminRig.StartAsync(10);

        using var response = await rig.PutWeightAsync(30, ifMatch);

        var release = await AdminRig.OkReleaseAsync(response);
        Assert.Equal(30, (double)release["weight"]!);
        Assert.Equal(2, (long)release["revision"]!);
    }
}
