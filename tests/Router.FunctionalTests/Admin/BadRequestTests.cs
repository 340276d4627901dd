namespace Canary.Router.FunctionalTests.Admin;

/// <summary>400: bad bodies are refused with problem details naming the field; nothing changes.</summary>
public sealed class BadRequestTests(AdminApiFixture fixture) : IClassFixture<AdminApiFixture>
{
    private readonly AdminRig _rig = fixture.Rig;

    [Theory]
    // Malformed JSON, or not an object.
    [InlineData("{\"weight\": ", "body")]
    [InlineData("weight=25", "body")]
    [InlineData("", "body")]
    [InlineData("[25]", "body")]
    [InlineData("25", "body")]
    // Missing or wrong type.
    [InlineData("{}", "weight")]
    [InlineData("{\"weight\": \"25\"}", "weight")]
    [InlineData("{\"weight\": true}", "weight")]
    [InlineData("{\"weight\": null}", "weight")]
    [InlineData("{\"weight\": [25]}", "weight")]
    // Out of range.
    [InlineData("{\"weight\": -1}", "weight")]
    [InlineData("{\"weight\": -0.01}", "weight")]
    [InlineData("{\"weight\": 100.01}", "weight")]
    [InlineData("{\"weight\": 300}", "weight")]
    [InlineData("{\"weight\": 1e400}", "weight")]
    // Unknown fields, alone or beside a good one.
    [InlineData("{\"wieght\": 25}", "wieght")]
    [InlineData("{\"weight\": 25, \"reason\": \"x\"}", "reason")]
    public async Task PutWeight_BadBody_400NamingTheFieldAndNothingChanged(string body, string field)
    {
        var before = await _rig.SnapshotAsync();

        using var response = await _rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/weight", AdminRig.Json(body));

        await Problems.AssertInvalidAsync(response, field);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("drain", "{\"route\": \"nope\", \"destination\": \"http://127.0.0.1:1\"}", "route")]
    [InlineData("drain", "{\"route\": 5, \"destination\": \"http://127.0.0.1:1\"}", "route")]
    [InlineData("drain", "{\"destination\": \"http://127.0.0.1:1\"}", "route")]
    [InlineData("drain", "{\"route\": \"api\"}", "destination")]
    [InlineData("drain", "{\"route\": \"api\", \"destination\": \"http://127.0.0.1:1\"}", "destination")]
    [InlineData("drain", "{\"route\": \"api\", \"destination\": \"   \"}", "destination")]
    [InlineData("undrain", "{\"route\": \"api\", \"destination\": \"http://127.0.0.1:1\", \"force\": true}", "force")]
    [InlineData("undrain", "{\"route\": ", "body")]
    public async Task Drain_BadBody_400NamingTheFieldAndNothingChanged(string action, string body, string field)
    {
        var before = await _rig.SnapshotAsync();

        using var response = await _rig.SendAdminAsync(HttpMethod.Post, $"{AdminRig.ReleasePath}/{action}", AdminRig.Json(body));

        await Problems.AssertInvalidAsync(response, field);
        await _rig.AssertUnchangedAsync(before);
    }
}
