using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Stoke.Gateway.Hosting;

namespace Stoke.Gateway.Auth;

/// <summary>
/// Maps a request to its tenant: by <c>Authorization: Bearer KEY</c> when keys are configured, otherwise to the
/// default tenant for loopback clients only. Keys are compared in constant time.
/// </summary>
public sealed class TenantResolver(GatewayOptions options)
{
    private readonly (byte[] Key, string Tenant)[] _keys =
        options.ApiKeys.Select(k => (Encoding.UTF8.GetBytes(k.Key), k.Tenant)).ToArray();

    public bool KeysConfigured => _keys.Length > 0;

    /// <summary>The tenant, or null with the reason when the request is not authorised.</summary>
    public string? Resolve(HttpContext context, out string? reason)
    {
        reason = null;
        if (_keys.Length == 0)
        {
            var remote = context.Connection.RemoteIpAddress;
            if (remote is null || IPAddress.IsLoopback(remote))
            {
                return options.DefaultTenant;
            }

            reason = "This server has no API keys configured and serves loopback clients only.";
            return null;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            reason = "Missing 'Authorization: Bearer <key>' header.";
            return null;
        }

        var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        foreach (var (key, tenant) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key, presented))
            {
                return tenant;
            }
        }

        reason = "Invalid API key.";
        return null;
    }
}

/// <summary>Reads the tenant the auth middleware put on the request.</summary>
public static class TenantHttpContextExtensions
{
    private const string Key = "stoke.tenant";

    public static string Tenant(this HttpContext context) => (string)context.Items[Key]!;

    internal static void SetTenant(this HttpContext context, string tenant) => context.Items[Key] = tenant;
}
