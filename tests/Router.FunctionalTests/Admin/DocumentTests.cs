using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>The OpenAPI document and the dashboard page on AdminUrls.</summary>
public sealed class DocumentTests(AdminApiFixture fixture) : IClassFixture<AdminApiFixture>
{
    private readonly AdminRig _rig = fixture.Rig;

    [Fact]
    public async Task OpenApi_ListsEveryAdminPathWithItsMethod()
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, "/admin/openapi.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.StartsWith("3.", (string?)document["openapi"], StringComparison.Ordinal);
        var paths = document["paths"]!.AsObject();
        (string Path, string Method)[] expected =
        [
            ("/admin/releases", "get"),
            ("/admin/releases/{name}", "get"),
            ("/admin/releases/{name}/weight", "put"),
            ("/admin/releases/{name}/promote", "post"),
            ("/admin/releases/{name}/rollback", "post"),
            ("/admin/releases/{name}/events", "get"),
            ("/admin/releases/{name}/pause", "post"),
            ("/admin/releases/{name}/resume", "post"),
            ("/admin/releases/{name}/switch", "post"),
            ("/admin/releases/{name}/drain", "post"),
            ("/admin/releases/{name}/undrain", "post"),
        ];
        foreach (var (path, method) in expected)
        {
            var item = paths[path]?.AsObject();
            Assert.True(item is not null, $"{path} is not in the OpenAPI document");
            Assert.True(item.ContainsKey(method), $"{path} has no {method} in the OpenAPI document");
        }
    }

    [Fact]
    public async Task OpenApi_WeightTakesJsonAndAnswers412()
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, "/admin/openapi.json");
        var put = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["paths"]!["/admin/releases/{name}/weight"]!["put"]!;

        Assert.NotNull(put["requestBody"]!["content"]!["application/json"]);
        Assert.NotNull(put["responses"]!["412"]);
        Assert.NotNull(put["responses"]!["400"]);
    }

    [Fact]
    public async Task Root_OnAdminAddress_DashboardHtml()
    {
        using var response = await _rig.Client.GetAsync(_rig.AdminAddress);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/admin/releases", html, StringComparison.Ordinal);
    }
}
