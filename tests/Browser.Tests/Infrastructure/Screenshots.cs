using Microsoft.Playwright;

namespace Canary.Browser.Tests.Infrastructure;

/// <summary>Full-page screenshots under &lt;repo&gt;/artifacts/browser, checked to be real PNG files.</summary>
internal static class Screenshots
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static async Task<string> TakeAsync(IPage page, string name)
    {
        var path = Path.Combine(RepoPaths.Artifacts("browser"), name + ".png");
        File.Delete(path);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        AssertPng(path);
        return path;
    }

    public static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"no screenshot at {path}");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..PngSignature.Length]);
    }
}
