using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stoke.Abstractions.Errors;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Management;

namespace Stoke.Gateway.Receipts;

/// <summary>
/// <c>GET /api/receipts</c>: the caller's tenant's last receipts on this node, oldest first, paged by sequence;
/// <c>GET /api/receipts/key</c>: the node's public key. Documented in docs/receipts.md and docs/api.md.
/// </summary>
public static class ReceiptEndpoints
{
    /// <summary>Most receipts one page holds.</summary>
    public const int MaxPage = 1000;

    public static void MapReceipts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/receipts/key", (GatewayReceipts receipts) => Results.Json(new { node = Book(receipts).Node, publicKey = Book(receipts).PublicKey, algorithm = "Ed25519" }, ApiJson.Options));
        app.MapGet("/api/receipts", Page);
    }

    private static IResult Page(HttpContext context, GatewayReceipts receipts, long? after, int? limit)
    {
        var book = Book(receipts);
        if (after is < 0 || limit is < 1 or > MaxPage)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"'after' must be 0 or more and 'limit' 1 to {MaxPage}.");
        }

        var take = limit ?? 100;
        var tenant = context.Tenant();
        var page = book.Page(tenant, after ?? 0, take + 1);
        var items = page.Take(take).Select(r => new
        {
            sequence = r.Receipt.Sequence,
            function = r.Receipt.Function,
            version = r.Receipt.FunctionVersion,
            issuedAt = r.Receipt.IssuedAt,
            receipt = r.ToBase64Url(),
        }).ToList();
        // The next page starts after the last item here; null when this page reached the chain's head.
        long? next = page.Count > take ? items[^1].sequence : null;
        context.Response.Headers["Stoke-Receipts-Retained"] = book.Retained.ToString(CultureInfo.InvariantCulture);
        return Results.Json(new { tenant, node = book.Node, publicKey = book.PublicKey, receipts = items, next }, ApiJson.Options);
    }

    private static Stoke.Receipts.ReceiptBook Book(GatewayReceipts receipts) =>
        receipts.Book ?? throw new StokeException(StokeErrorKind.NotFound, "Receipts are off on this node (Stoke:Receipts:Enabled=false).");
}
