using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>Checks of RFC 7807 answers.</summary>
internal static class Problems
{
    public const string MediaType = "application/problem+json";

    /// <summary>The status, the problem+json content type and a body whose status matches; returns the body.</summary>
    public static async Task<JsonObject> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]), "a problem without a title");
        return problem;
    }

    /// <summary>A 400 whose <c>errors</c> name <paramref name="field"/>.</summary>
    public static async Task<JsonObject> AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]?.AsObject();
        Assert.NotNull(errors);
        Assert.True(errors.ContainsKey(field), $"the problem does not name '{field}': {problem.ToJsonString()}");
        Assert.NotEmpty(errors[field]!.AsArray());
        return problem;
    }
}
