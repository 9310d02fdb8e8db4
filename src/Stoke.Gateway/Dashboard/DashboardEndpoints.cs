using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Stoke.Gateway.Dashboard;

/// <summary>
/// The web dashboard at <c>/dashboard</c>: static HTML, CSS and JS embedded in this assembly (no CDN, no build
/// step), which poll the management API from the browser with the caller's key. The assets hold no data, so they
/// are served without auth; every number on the page comes from <c>/api/...</c> under the usual auth.
/// Documented in docs/dashboard.md.
/// </summary>
public static class DashboardEndpoints
{
    public const string Path = "/dashboard";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
    };

    // Read once: the assets are a few kilobytes and never change while the process runs.
    private static readonly Dictionary<string, byte[]> Assets = LoadAssets();

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        // Routing matches /dashboard and /dashboard/ alike; the page loads its files relative to /dashboard/, so
        // the bare path redirects there.
        app.MapGet(Path, (HttpContext context) => context.Request.Path.Value!.EndsWith('/') ? Asset(context, "index.html") : Results.Redirect(Path + "/"));
        app.MapGet(Path + "/{file}", (HttpContext context, string file) => Asset(context, file));
    }

    // The page runs only its own files and talks only to this node: a function name or decision detail that slipped
    // past textContent could still not run script or send data elsewhere.
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static IResult Asset(HttpContext context, string file)
    {
        if (!Assets.TryGetValue(file, out var bytes))
        {
            return Results.Json(new { error = $"The dashboard has no file '{file}'." }, statusCode: StatusCodes.Status404NotFound);
        }

        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(bytes, ContentTypes[System.IO.Path.GetExtension(file)]);
    }

    private static Dictionary<string, byte[]> LoadAssets()
    {
        const string prefix = "Stoke.Dashboard.";
        var assembly = typeof(DashboardEndpoints).Assembly;
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            assets[name[prefix.Length..]] = memory.ToArray();
        }

        return assets;
    }
}
