namespace Stoke.Runtime.Quotas;

/// <summary>
/// The operator's caps on what a tenant may deploy, which the tenant's registry enforces as it registers (one deploy
/// at a time per tenant, so two racing at the cap cannot both pass). The gateway supplies them from its
/// configuration (<c>Stoke:Gateway:TenantLimits</c>); a node with none registered caps nothing.
/// </summary>
public interface ITenantDeployCaps
{
    /// <summary>Most functions (distinct names) the tenant may have; 0: no cap.</summary>
    int MaxFunctions(string tenant);

    /// <summary>Most artifact bytes over all the tenant's live versions, each distinct artifact counted once; 0: no cap.</summary>
    long MaxArtifactBytes(string tenant);
}
