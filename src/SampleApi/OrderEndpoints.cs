using Microsoft.AspNetCore.Http.HttpResults;

namespace Canary.SampleApi;

internal sealed record OrderRequest(int ProductId, int Quantity);

internal sealed record Order(long Id, int ProductId, int Quantity, decimal Total, string Version);

/// <summary><c>POST /api/orders</c>: the "Add to cart" of SampleSpa; the router's demo counts it as the <c>orders</c> goal.</summary>
internal static class OrderEndpoints
{
    private static long _lastId;

    public static IEndpointRouteBuilder MapOrderEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/orders", Results<Created<Order>, ProblemHttpResult> (OrderRequest order, ProductCatalog catalog, BackendInfo backend) =>
        {
            if (catalog.Find(order.ProductId) is not { } product)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown product", detail: $"No product with id {order.ProductId}.");
            }

            if (order.Quantity is < 1 or > 100)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad quantity", detail: "quantity must be between 1 and 100.");
            }

            var id = Interlocked.Increment(ref _lastId);
            return TypedResults.Created($"/api/orders/{id}", new Order(id, product.Id, order.Quantity, product.Price * order.Quantity, backend.Version));
        });
        return endpoints;
    }
}
