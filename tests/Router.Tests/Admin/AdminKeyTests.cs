using Canary.Router.Admin;
using Canary.Router.Configuration;

namespace Canary.Router.Tests.Admin;

public sealed class AdminKeyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-keys-").FullName;

    public void Dispose() => TempFolder.DeleteQuietly(_folder);

    [Fact]
    public void Load_NamedKeysAndTheSingleKey_EachMatchesItsHolder()
    {
        var file = Write("""
            [
              { "name": "ci", "role": "operator", "key": "ci-key-0123456789" },
              { "name": "oncall", "role": "Viewer", "key": "viewer-key-0123456789" }
            ]
            """);

        var keys = AdminKey.Load("single-key", file);

        Assert.True(keys.IsConfigured);
        Assert.Equal(new AdminIdentity("ci", AdminRole.Operator), keys.Match("ci-key-0123456789"));
        Assert.Equal(new AdminIdentity("oncall", AdminRole.Viewer), keys.Match("viewer-key-0123456789"));
        Assert.Equal(new AdminIdentity(AdminKey.DefaultName, AdminRole.Operator), keys.Match("single-key"));
        Assert.Null(keys.Match("ci-key-012345678"));
        Assert.Null(keys.Match(""));
    }

    [Fact]
    public void Load_NoFile_IsTheSingleOperatorKeyAsBefore()
    {
        Assert.Equal(new AdminIdentity("default", AdminRole.Operator), AdminKey.Load("k", null).Match("k"));
        Assert.False(AdminKey.Load(null, null).IsConfigured);
        Assert.False(AdminKey.Load("", "").IsConfigured);
        Assert.Null(AdminKey.Load(null, null).Match("k"));
    }

    [Fact]
    public void Load_BrokenFile_ListsEveryProblem()
    {
        var file = Write("""
            [
              { "name": "ci", "role": "admin", "key": "a-key" },
              { "name": "ci2", "role": "operator" },
              { "name": "ops", "role": "operator", "key": "b-key", "expires": "never" },
              { "name": "ops", "role": "viewer", "key": "c-key" },
              { "name": "dup", "role": "viewer", "key": "b-key" },
              { "name": "same-as-single", "role": "viewer", "key": "single" },
              "not an object"
            ]
            """);

        var error = Assert.Throws<ConfigException>(() => AdminKey.Load("single", file));

        Assert.Equal(
            ["[0].role", "[1].key", "[2].expires", "[3].name", "[4].key", "[5].key", "[6]"],
            error.Problems.Select(p => p.Path));
        Assert.Contains("must be viewer or operator", error.Problems[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Problems, p => p.ToString().Contains("b-key", StringComparison.Ordinal) || p.ToString().Contains("single", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{ \"name\": \"ci\" }", "(root)")]
    [InlineData("[ { ", "line 1")]
    public void Load_NotAnArray_OneProblem(string json, string path)
    {
        var error = Assert.Throws<ConfigException>(() => AdminKey.Load(null, Write(json)));

        Assert.Equal(path, Assert.Single(error.Problems).Path);
    }

    [Fact]
    public void Load_MissingFile_SaysItCannotBeRead()
    {
        var missing = Path.Combine(_folder, "missing.json");

        var error = Assert.Throws<ConfigException>(() => AdminKey.Load(null, missing));

        Assert.Contains("cannot be read", Assert.Single(error.Problems).Message, StringComparison.Ordinal);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_folder, $"keys-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }
}
