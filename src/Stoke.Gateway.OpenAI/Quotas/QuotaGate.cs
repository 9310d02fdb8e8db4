using Microsoft.AspNetCore.Http;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.Quotas;
using Stoke.Runtime.Quotas;

namespace Stoke.Gateway.OpenAI.Quotas;

/// <summary>
/// The OpenAI API's face of <see cref="RequestQuota"/>: a refused request gets 429, a <c>Retry-After</c> and an
/// OpenAI error object whose code names the limit it hit.
/// </summary>
public sealed class QuotaGate(RequestQuota quotas)
{
    /// <summary>Admits the request or throws a 429; returns the quota to charge tokens to (null when the key has none).</summary>
    public async Task<IApiKeyQuotaGrain?> AdmitAsync(HttpContext context)
    {
        var (quota, refusal) = await quotas.CheckAsync(context);
        if (refusal is not null)
        {
            throw new OpenAIError(429, refusal.Message!, "rate_limit_error", null, refusal.Limit, refusal.RetryAfter);
        }

        return quota;
    }
}
