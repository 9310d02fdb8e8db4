using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Runtime.Quotas;

namespace Stoke.Gateway.OpenAI.Quotas;

/// <summary>
/// Enforces each API key's requests- and tokens-per-minute quotas through the key's quota grain (one per key in the
/// cluster). A refused request gets 429, a <c>Retry-After</c> and a message naming the limit it hit.
/// </summary>
public sealed class QuotaGate(GatewayOptions options, IGrainFactory grains)
{
    private readonly (byte[] Key, string Id, QuotaLimits Limits)[] _keys = options.ApiKeys
        .Where(k => k.RequestsPerMinute > 0 || k.TokensPerMinute > 0)
        .Select(k => (Encoding.UTF8.GetBytes(k.Key), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)))[..32], new QuotaLimits(k.RequestsPerMinute, k.TokensPerMinute)))
        .ToArray();

    /// <summary>Admits the request or throws a 429; returns the quota to charge tokens to (null when the key has none).</summary>
    public async Task<IApiKeyQuotaGrain?> AdmitAsync(HttpContext context)
    {
        if (_keys.Length == 0)
        {
            return null;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        foreach (var (key, id, limits) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key, presented))
            {
                var quota = grains.GetGrain<IApiKeyQuotaGrain>(id);
                var verdict = await quota.Admit(limits);
                if (!verdict.Admitted)
                {
                    throw new OpenAIError(429, verdict.Message!, "rate_limit_error", null, verdict.Limit, verdict.RetryAfter);
                }

                return quota;
            }
        }

        return null;
    }
}
