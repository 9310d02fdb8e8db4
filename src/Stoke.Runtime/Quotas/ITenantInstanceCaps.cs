namespace Stoke.Runtime.Quotas;

/// <summary>
/// The operator's cap on a tenant's instances, which each function's controller enforces. The gateway supplies it from
/// its configuration (<c>Stoke:Gateway:TenantLimits</c>); a node with none registered caps nothing.
/// </summary>
public interface ITenantInstanceCaps
{
    /// <summary>Most loading and ready instances of the tenant's functions in the cluster; 0: no cap.</summary>
    int MaxInstances(string tenant);
}
