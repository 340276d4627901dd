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
    public void InlineScheduling_PlaintextHttp1Listener_FollowsInlineCompletionsAsTheRuntimeReadsThem(string? value, bool expected)
    {
        Assert.Equal(expected, RuntimeDefaults.InlineScheduling(Completions(value), "http://0.0.0.0:8080;http://[::]:8080", http2Cleartext: false));
    }

    [Theory]
    [InlineData("https://0.0.0.0:8443", false)]
    [InlineData("http://0.0.0.0:8080;HTTPS://0.0.0.0:8443", false)]
    [InlineData("http://0.0.0.0:8080", true)]
    public void InlineScheduling_HttpsOrH2c_StaysOnTheThreadPool(string urls, bool http2Cleartext)
    {
        Assert.False(RuntimeDefaults.InlineScheduling(Completions("1"), urls, http2Cleartext));
    }

    private static Func<string, string?> Completions(string? value) => name => name == RuntimeDefaults.InlineSocketCompletions ? value : null;
}
