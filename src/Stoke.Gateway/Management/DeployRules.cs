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
/// 403, artifacts past <c>MaxArtifactBytes</c> 413). Two deploys racing at the cap may both pass; the next is refused.
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
            await CheckCapsAsync(caller.Tenant, [.. requests.Select(r => r.Name)], files, limits);
        }
    }

    /// <summary>A pipeline deploy adds a function (its steps' artifacts are already counted).</summary>
    public Task CheckPipelineAsync(Caller caller, string name) =>
        options.TenantLimits.TryGetValue(caller.Tenant, out var limits) && limits.MaxFunctions > 0
            ? CheckCapsAsync(caller.Tenant, [name], [], limits)
            : Task.CompletedTask;

    private async Task CheckCapsAsync(string tenant, string[] names, byte[][] files, TenantLimits limits)
    {
        var registry = grains.GetGrain<IFunctionRegistryGrain>(tenant);
        var functions = await registry.List();
        var added = names.Distinct(StringComparer.Ordinal).Count(n => !functions.Any(f => f.Name == n));
        if (limits.MaxFunctions > 0 && added > 0 && functions.Length + added > limits.MaxFunctions)
        {
            throw new StokeException(StokeErrorKind.Forbidden, added == 1
                ? $"Tenant '{tenant}' has {functions.Length} functions, its limit (MaxFunctions {limits.MaxFunctions}): delete one, or ask an operator to raise it."
                : $"Tenant '{tenant}' has {functions.Length} functions; this deploy adds {added}, past its limit (MaxFunctions {limits.MaxFunctions}): delete some, or ask an operator to raise it.");
        }

        if (limits.MaxArtifactBytes == 0)
        {
            return;
        }

        // Artifacts are content-addressed: bytes stored once count once, also when a new version brings them again.
        var versions = await Task.WhenAll(functions.Select(f => registry.Versions(f.Name)));
        var held = versions.SelectMany(v => v)
            .SelectMany(v => v.Tokenizer is { } t ? new[] { v.Artifact, t.Artifact } : [v.Artifact])
            .DistinctBy(a => a.Sha256).ToDictionary(a => a.Sha256, a => a.SizeBytes, StringComparer.Ordinal);
        var stored = held.Values.Sum();
        var artifactBytes = files.Where(f => !held.ContainsKey(Convert.ToHexStringLower(SHA256.HashData(f)))).Sum(f => f.LongLength);
        if (stored + artifactBytes > limits.MaxArtifactBytes)
        {
            throw new StokeException(StokeErrorKind.PayloadTooLarge,
                $"Tenant '{tenant}' stores {stored} artifact bytes; this deploy's {artifactBytes} new bytes would pass its limit (MaxArtifactBytes {limits.MaxArtifactBytes}).");
        }
    }
}
