using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Stoke.Abstractions.Errors;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Deployment;
using Stoke.Runtime.Grains;

namespace Stoke.Gateway.Management;

/// <summary>
/// What a caller may deploy: prices are an operator's to set (a tenant's deploy that carries one gets 403), and a
/// deploy within its tenant's caps only (<see cref="TenantLimits"/>: a new function past <c>MaxFunctions</c> gets
/// 403, artifacts past <c>MaxArtifactBytes</c> 413), checked before any byte is stored; the tenant's registry checks
/// again as it registers, one deploy at a time, so two deploys racing at a cap cannot both pass.
/// </summary>
public sealed class DeployRules(GatewayOptions options, IGrainFactory grains)
{
    /// <summary>The deploy settings that set a function's prices.</summary>
    public static readonly string[] PriceSettings = ["pricePerGbSecond", "pricePer1kInputTokens", "pricePer1kOutputTokens"];

    public Task CheckAsync(Caller caller, IQueryCollection query, DeployRequest request) => CheckAsync(caller, query, [request]);

    /// <summary>The functions one call deploys together (a partition's slices), checked as one deploy before the first is registered.</summary>
    public async Task CheckAsync(Caller caller, IQueryCollection query, IReadOnlyList<DeployRequest> requests)
    {
        if (!caller.IsOperator && PriceSettings.FirstOrDefault(query.ContainsKey) is { } price)
        {
            throw new StokeException(StokeErrorKind.Forbidden, $"Setting '{price}' is refused: prices are set by an operator key, not a tenant key.");
        }

        if (options.TenantLimits.TryGetValue(caller.Tenant, out var limits) && (limits.MaxFunctions > 0 || limits.MaxArtifactBytes > 0))
        {
            var files = requests.SelectMany(r => r.Tokenizer is { } vocab ? new[] { r.Artifact, vocab } : [r.Artifact]).ToArray();
            await CheckCapsAsync(caller.Tenant, [.. requests.Select(r => r.Name)], files);
        }
    }

    /// <summary>A pipeline deploy adds a function (its steps' artifacts are already counted).</summary>
    public Task CheckPipelineAsync(Caller caller, string name) =>
        options.TenantLimits.TryGetValue(caller.Tenant, out var limits) && limits.MaxFunctions > 0
            ? CheckCapsAsync(caller.Tenant, [name], [])
            : Task.CompletedTask;

    // The registry holds the tenant's versions and checks the caps (and again as it registers, one deploy at a time).
    private Task CheckCapsAsync(string tenant, string[] names, byte[][] files) =>
        grains.GetGrain<IFunctionRegistryGrain>(tenant).CheckCaps(
            names,
            files.Select(f => (Sha: Convert.ToHexStringLower(SHA256.HashData(f)), Size: f.LongLength)).DistinctBy(f => f.Sha).ToDictionary(f => f.Sha, f => f.Size, StringComparer.Ordinal));
}
