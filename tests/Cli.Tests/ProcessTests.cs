using System.Diagnostics;
using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;

namespace Canary.Cli.Tests;

/// <summary>The built <c>canary</c> binary as a real process: its own Main, environment, exit code and streams.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task BuiltBinary_WeightThenStatus_ExitCodesAndJsonOverRealProcesses()
    {
        await using var shop = await ShopRouter.StartAsync();

        var weight = await RunAsync(shop.Environment, "weight", "shop", "35", "-o", "json");
        var status = await RunAsync(shop.Environment, "status", "-o", "json");
        var refused = await RunAsync(shop.Environment, "promote", "nope");

        Assert.True(weight.ExitCode == 0, weight.ToString());
        Assert.Equal(35, (double)weight.Json["weight"]!);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(35, (double)status.Json["releases"]![0]!["weight"]!);
        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        Assert.Contains("Unknown release", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ShopRouter.Key, weight.Out + weight.Error + status.Out + refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuiltBinary_WaitTimesOut_Exits9()
    {
        await using var shop = await ShopRouter.StartAsync();

        var result = await RunAsync(shop.Environment, "wait", "shop", "--until", "promoted", "--timeout", "500ms", "--interval", "100ms");

        Assert.True(result.ExitCode == ExitCodes.Timeout, result.ToString());
        Assert.Contains("promoted not reached within", result.Error, StringComparison.Ordinal);
    }

    private static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // The built binary as a pipeline runs it; the test host's own admin variables are not passed on.
        var variables = new Dictionary<string, string?> { ["CANARY_ADMIN_URL"] = null, ["CANARY_ADMIN_KEY"] = null };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        await using var process = ChildProcess.Start(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Canary.Cli.exe" : "Canary.Cli"), args, variables);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return new CliResult(exitCode, process.StandardOutput, process.StandardError);
    }
}
