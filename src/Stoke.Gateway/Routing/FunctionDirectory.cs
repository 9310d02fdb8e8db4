using System.Collections.Concurrent;
using Stoke.Abstractions.Functions;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.Routing;

/// <summary>
/// A node's short-lived cache of function specs, so the request path does not ask the tenant's registry grain on
/// every call. Entries live <see cref="GatewayOptions.DirectoryTtl"/>; deploys and deletes through this node
/// drop them at once, other nodes see a change within the TTL. A refresh of a cached entry waits at most
/// <see cref="RefreshPatience"/>: a registry busy with a write the store is slow to refuse (the store is down) must not
/// hold the requests of a function that is already serving.
/// </summary>
public sealed class FunctionDirectory(IGrainFactory grains, GatewayOptions options, TimeProvider time)
{
    /// <summary>How long a request waits for the registry when it already has the function's spec.</summary>
    public static readonly TimeSpan RefreshPatience = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Tenant, string Name, int Version), (FunctionSpec Spec, DateTimeOffset At)> _cache = new();

    /// <summary>The function's spec (latest when <paramref name="version"/> is null); 404 when there is none.</summary>
    public async ValueTask<FunctionSpec> ResolveAsync(string tenant, string name, int? version)
    {
        var key = (tenant, name, version ?? 0);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(key, out var entry) && now - entry.At < options.DirectoryTtl)
        {
            return entry.Spec;
        }

        FunctionSpec? spec;
        try
        {
            var lookup = grains.GetGrain<IFunctionRegistryGrain>(tenant).Get(name, version);
            spec = entry.Spec is null ? await lookup : await lookup.WaitAsync(RefreshPatience, time);
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            // The registry's node died and Orleans has not moved it yet, or it is busy past the patience: a version's
            // spec never changes, so the last one seen still serves; without one, the client is asked to retry once
            // the registry is back.
            if (entry.Spec is { } stale)
            {
                return stale;
            }

            throw new StokeException(StokeErrorKind.Overloaded, $"The function registry of tenant '{tenant}' cannot be reached right now ({ex.GetType().Name}).", TimeSpan.FromSeconds(2));
        }

        if (spec is null)
        {
            // Misses are not kept: a client naming ever new unknown functions would grow the cache without bound.
            _cache.TryRemove(key, out _);
            throw NotFound(name, version);
        }

        _cache[key] = (spec, now);
        return spec;
    }

    /// <summary>Entries held: deployed function versions asked for, never unknown names.</summary>
    public int Count => _cache.Count;

    private static bool IsUnreachable(Exception ex) =>
        ex is Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException or TimeoutException
        || ex.InnerException is { } inner && IsUnreachable(inner);

    public void Invalidate(string tenant, string name)
    {
        foreach (var key in _cache.Keys.Where(k => k.Tenant == tenant && k.Name == name))
        {
            _cache.TryRemove(key, out _);
        }
    }

    private static StokeException NotFound(string name, int? version) => new(
        StokeErrorKind.NotFound,
        version is null ? $"Unknown model '{name}'." : $"Unknown model '{name}' version {version}.");
}
