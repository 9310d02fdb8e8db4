using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Stoke.Gateway.Hosting;

namespace Stoke.Gateway.Auth;

/// <summary>
/// Maps a request to its caller: by <c>Authorization: Bearer KEY</c> when keys are configured, otherwise to the
/// default tenant with operator rights, for direct loopback clients only unless anonymous callers are allowed (a
/// forwarded request may come from anywhere behind a same-host proxy). Keys are compared in constant time.
/// </summary>
public sealed class TenantResolver(GatewayOptions options)
{
    private readonly (byte[] Key, Caller Caller)[] _keys =
        options.ApiKeys.Select(k => (Encoding.UTF8.GetBytes(k.Key), new Caller(k.Tenant, k.Role == ApiKeyRole.Operator, k))).ToArray();

    private readonly Caller _anonymous = new(options.DefaultTenant, IsOperator: true, Key: null);

    public bool KeysConfigured => _keys.Length > 0;

    /// <summary>The caller, or null with the reason when the request is not authorised.</summary>
    public Caller? Resolve(HttpContext context, out string? reason)
    {
        reason = null;
        if (_keys.Length == 0)
        {
            return ResolveAnonymous(context, out reason);
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            reason = "Missing 'Authorization: Bearer <key>' header.";
            return null;
        }

        var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        foreach (var (key, caller) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key, presented))
            {
                return caller;
            }
        }

        reason = "Invalid API key.";
        return null;
    }

    private Caller? ResolveAnonymous(HttpContext context, out string? reason)
    {
        reason = null;
        if (options.AllowAnonymous)
        {
            return _anonymous;
        }

        var headers = context.Request.Headers;
        if (headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("Forwarded"))
        {
            reason = "This server has no API keys configured and refuses forwarded requests (X-Forwarded-For or Forwarded header): "
                + "behind a proxy every client would be the default tenant with operator rights. Configure API keys, or start it with --allow-anonymous.";
            return null;
        }

        var remote = context.Connection.RemoteIpAddress;
        if (remote is null || IPAddress.IsLoopback(remote))
        {
            return _anonymous;
        }

        reason = "This server has no API keys configured and serves loopback clients only.";
        return null;
    }
}

/// <summary>Who made a request: the tenant whose functions it reaches, whether it holds operator rights, and its key (null when keyless).</summary>
public sealed record Caller(string Tenant, bool IsOperator, ApiKeyOptions? Key);

/// <summary>Reads the caller the auth middleware put on the request.</summary>
public static class TenantHttpContextExtensions
{
    private const string Key = "stoke.caller";

    public static string Tenant(this HttpContext context) => context.Caller().Tenant;

    public static Caller Caller(this HttpContext context) => (Caller)context.Items[Key]!;

    public static bool IsOperator(this HttpContext context) => context.Items[Key] is Caller { IsOperator: true };

    public static void SetCaller(this HttpContext context, Caller caller) => context.Items[Key] = caller;
}
