using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Stoke.Abstractions.Errors;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Quotas;

namespace Stoke.Gateway.Quotas;

/// <summary>
/// Each API key's requests- and tokens-per-minute quotas, checked on every inference surface (OIP v2 REST and gRPC,
/// streams, pipelines, the OpenAI API) through the key's quota grain (one per key in the cluster). Keyless callers
/// and keys without limits pass without a grain call.
/// </summary>
public sealed class RequestQuota(GatewayOptions options, IGrainFactory grains)
{
    // Keyed by the options object the resolver handed out (reference equality); the grain by a hash of the key, never the key itself.
    private readonly Dictionary<ApiKeyOptions, string> _grainIds = options.ApiKeys
        .Where(k => k.RequestsPerMinute > 0 || k.TokensPerMinute > 0)
        .ToDictionary(k => k, k => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)))[..32]);

    /// <summary>Counts the request against its key's quota; the refusal (which limit, when to retry) when the key has no room. A ValueTask: most requests pass with no grain call.</summary>
    public async ValueTask<(IApiKeyQuotaGrain? Quota, QuotaVerdict? Refusal)> CheckAsync(HttpContext context)
    {
        if (context.Caller().Key is not { } key || !_grainIds.TryGetValue(key, out var id))
        {
            return (null, null);
        }

        var quota = grains.GetGrain<IApiKeyQuotaGrain>(id);
        var verdict = await quota.Admit(new QuotaLimits(key.RequestsPerMinute, key.TokensPerMinute));
        return verdict.Admitted ? (quota, null) : (quota, verdict);
    }

    /// <summary>Admits the request or throws a 429 with its <c>Retry-After</c>.</summary>
    public async ValueTask AdmitAsync(HttpContext context)
    {
        var (_, refusal) = await CheckAsync(context);
        if (refusal is not null)
        {
            throw new StokeException(StokeErrorKind.TooManyRequests, refusal.Message!, refusal.RetryAfter);
        }
    }
}
