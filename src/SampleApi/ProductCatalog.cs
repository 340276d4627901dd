using System.Text.Json.Serialization;

namespace Canary.SampleApi;

internal sealed record Product(
    int Id,
    string Name,
    decimal Price,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Rating);

/// <summary>Fixed in-memory catalogue; ratings are stripped when the feature is off.</summary>
internal sealed class ProductCatalog(BackendInfo backend)
{
    private static readonly Product[] Seed =
    [
        new(1, "Canary Feeder", 19.99m, 4.6),
        new(2, "Brass Birdcage", 129.00m, 4.2),
        new(3, "Seed Mix 2 kg", 8.49m, 4.8),
        new(4, "Cuttlebone Pack", 4.25m, 3.9),
        new(5, "Perch Set", 12.50m, 4.1),
        new(6, "Bird Bath", 24.95m, 4.4),
    ];

    public IReadOnlyList<Product> All { get; } =
        backend.Ratings ? Seed : [.. Seed.Select(p => p with { Rating = null })];

    public Product? Find(int id) => All.FirstOrDefault(p => p.Id == id);
}
