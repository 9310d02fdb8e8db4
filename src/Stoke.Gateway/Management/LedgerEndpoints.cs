using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Gateway.Auth;
using Stoke.Runtime.Ledger;

namespace Stoke.Gateway.Management;

/// <summary>
/// The caller's tenant's usage ledger: <c>GET /api/usage/ledger</c> pages through its entries (deleted functions'
/// included), <c>GET /api/usage/verify</c> proves its aggregates equal it. Documented in docs/api.md.
/// </summary>
public static class LedgerEndpoints
{
    public static void MapLedger(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/usage/ledger", Entries);
        // A handler taking only the HttpContext would bind as a RequestDelegate and drop its result.
        app.MapGet("/api/usage/verify", (Delegate)Verify);
    }

    private static async Task<IResult> Entries(HttpContext context, long? after, int? limit)
    {
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var entries = await grains.GetGrain<ITenantLedgerGrain>(context.Tenant()).Entries(Math.Max(0, after ?? 0), Math.Clamp(limit ?? 1000, 1, 10_000));
        return Results.Json(entries, ApiJson.Options);
    }

    private static async Task<IResult> Verify(HttpContext context) =>
        Results.Json(await LedgerCheck.RunAsync(context.RequestServices.GetRequiredService<IGrainFactory>(), context.Tenant()), ApiJson.Options);
}
