using Stoke.Abstractions.Nodes;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;

namespace Stoke.Gateway.Management;

/// <summary>
/// What <c>GET /api/status</c> shows a caller: an operator sees every tenant and each node whole; a tenant sees its
/// own instances and nothing of a node that other tenants' work would show (memory used, artifact caches by hash).
/// </summary>
public static class StatusScope
{
    /// <summary>The tenants whose functions the caller's status lists: its own, and for an operator every tenant the node knows of.</summary>
    public static IEnumerable<string> Tenants(Caller caller, GatewayOptions options, IEnumerable<NodeSnapshot> nodes)
    {
        if (!caller.IsOperator)
        {
            return [caller.Tenant];
        }

        var running = nodes.SelectMany(n => n.Instances).Select(i => i.FunctionKey[..Math.Max(0, i.FunctionKey.IndexOf('/', StringComparison.Ordinal))]);
        return new[] { caller.Tenant }.Concat(options.ApiKeys.Select(k => k.Tenant)).Concat(options.TenantLimits.Keys).Concat(running)
            .Where(t => t.Length > 0).Distinct(StringComparer.Ordinal);
    }

    /// <summary>The node as the caller may see it.</summary>
    public static NodeSnapshot View(NodeSnapshot node, Caller caller)
    {
        if (caller.IsOperator)
        {
            return node;
        }

        var prefix = caller.Tenant + "/";
        var own = node.Instances.Where(i => i.FunctionKey.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        // Memory used is the tenant's own instances' only; capacity and tiers would tell of other tenants' load and models.
        return node with
        {
            Instances = own,
            MemoryUsedBytes = own.Sum(i => i.MemoryBytes),
            ReclaimableBytes = 0,
            MemoryTierArtifacts = [],
            DiskTierArtifacts = [],
            MemoryTierUsedBytes = 0,
            DiskTierUsedBytes = 0,
        };
    }
}
