using Canary.Router.Hosting;

namespace Canary.Router.Tests.Hosting;

public sealed class RuntimeDefaultsTests
{
    [Fact]
    public void Apply_InlineCompletionsUnset_TurnsThemOn()
    {
        var environment = new Dictionary<string, string>();

        RuntimeDefaults.Apply(name => environment.GetValueOrDefault(name), (name, value) => environment[name] = value);

        Assert.Equal("1", environment[RuntimeDefaults.InlineSocketCompletions]);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public void Apply_OperatorChoseInlineCompletions_KeepsTheirValue(string chosen)
    {
        var environment = new Dictionary<string, string> { [RuntimeDefaults.InlineSocketCompletions] = chosen };

        RuntimeDefaults.Apply(name => environment.GetValueOrDefault(name), (name, value) => environment[name] = value);

        Assert.Equal(chosen, environment[RuntimeDefaults.InlineSocketCompletions]);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("true", false)] // The runtime itself turns inline completions on for "1" only.
    [InlineData(null, false)]
    public void InlineScheduling_InlineCompletionsValue_FollowsWhatTheRuntimeReads(string? value, bool expected)
    {
        Assert.Equal(expected, RuntimeDefaults.InlineScheduling(name => name == RuntimeDefaults.InlineSocketCompletions ? value : null));
    }
}
