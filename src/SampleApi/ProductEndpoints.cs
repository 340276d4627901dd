using Microsoft.AspNetCore.Http.HttpResults;

namespace Canary.SampleApi;

internal static class ProductEndpoints
{
    public static IEndpointRouteBuilder MapProductEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var products = endpoints.MapGroup("/products");
        products.MapGet("/", (ProductCatalog catalog) => catalog.All);
        products.MapGet("/{id:int}", Results<Ok<Product>, ProblemHttpResult> (int id, ProductCatalog catalog) =>
            catalog.Find(id) is { } product
                ? TypedResults.Ok(product)
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Product not found", detail: $"No product with id {id}."));
        return endpoints;
    }
}
