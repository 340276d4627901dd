using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>Parallel writers: If-Match lets exactly one of them through.</summary>
public sealed class ConcurrentWriteTests : IAsyncLifetime
{
    private const int Writers = 16;
    private AdminRig _rig = null!;

    public async Task InitializeAsync() => _rig = await AdminRig.StartAsync(weight: 0);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task PutWeight_ParallelWithSameIfMatch_ExactlyOne200RestAre412()
    {
        var before = await _rig.SnapshotAsync();
        var etag = $"\"{before.Revision}\"";
        using var start = new SemaphoreSlim(0);

        var writes = Enumerable.Range(1, Writers).Select(async i =>
        {
            await start.WaitAsync();
            using var response = await _rig.PutWeightAsync(i, etag);
            var body = await response.Content.ReadAsStringAsync();
            return (Weight: (double)i, response.StatusCode, Body: body);
        }).ToList();
        start.Release(Writers);
        var results = await Task.WhenAll(writes);

        var winner = Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
        var after = await _rig.SnapshotAsync();
        Assert.Equal(before.Revision + 1, after.Revision);
        Assert.Equal(winner.Weight, after.Weight);
        Assert.Equal(winner.Weight, (double)JsonNode.Parse(winner.Body)!["weight"]!);
        Assert.Equal(before.Events + 1, after.Events);
        Assert.Equal(winner.Weight, (double)JsonNode.Parse(after.StateFile!)!["releases"]!["shop"]!["weight"]!);
    }

    [Fact]
    public async Task Rollback_ParallelWithoutIfMatch_ExactlyOne200RestAre409()
    {
        var before = await _rig.SnapshotAsync();
        using var start = new SemaphoreSlim(0);

        var writes = Enumerable.Range(0, Writers).Select(async _ =>
        {
            await start.WaitAsync();
            using var response = await _rig.PostAsync("rollback");
            return response.StatusCode;
        }).ToList();
        start.Release(Writers);
        var statuses = await Task.WhenAll(writes);

        Assert.Single(statuses, s => s == HttpStatusCode.OK);
        Assert.Equal(Writers - 1, statuses.Count(s => s == HttpStatusCode.Conflict));
        var after = await _rig.SnapshotAsync();
        Assert.Equal(before.Revision + 1, after.Revision);
        Assert.Equal("RolledBack", after.Phase);
        Assert.Equal(before.Events + 1, after.Events);
    }
}
