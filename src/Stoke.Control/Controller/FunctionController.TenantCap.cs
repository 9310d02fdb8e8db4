using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Policies;

namespace Stoke.Control.Controller;

// The operator's cap on a tenant's instances (ControllerOptions.TenantMaxInstances): the rule is here, in the shared
// controller, so the server and the simulator apply the same one.
public sealed partial class FunctionController<THeld>
{
    /// <summary>How long a request refused at its tenant's instance cap is told to wait: an idle instance of the tenant may have gone by then.</summary>
    private static readonly TimeSpan TenantCapRetry = TimeSpan.FromSeconds(5);

    private bool _tenantCapped; // the last start was refused by the tenant's instance cap

    /// <summary>The tenant's loading and ready instances over every node, from the nodes' last reports.</summary>
    private int TenantInstances(IReadOnlyList<NodeView> nodes)
    {
        var prefix = _spec.Tenant + "/";
        var count = 0;
        foreach (var node in nodes)
        {
            foreach (var (key, n) in node.FunctionInstances)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    count += n;
                }
            }
        }

        // A report may not show this function's own newest instances yet.
        var own = 0;
        foreach (var node in nodes)
        {
            own += node.InstancesOf(_key);
        }

        return count + Math.Max(0, _instances.Count - own);
    }

    // True (with the reason kept) when a new instance would pass the tenant's cap.
    private bool AtTenantCap(IReadOnlyList<NodeView> nodes)
    {
        _tenantCapped = false;
        if (_options.TenantMaxInstances <= 0)
        {
            return false;
        }

        var running = TenantInstances(nodes);
        if (running < _options.TenantMaxInstances)
        {
            return false;
        }

        _tenantCapped = true;
        _lastStartError = Text($"tenant '{_spec.Tenant}' has {running} instances, its limit (MaxInstances {_options.TenantMaxInstances})");
        Record("start-capped", null, _lastStartError);
        return true;
    }

    // A cold request whose instance the cap refused, with none loading: nothing would serve it before its deadline.
    private StokeException? RefusedAtTenantCap() =>
        _tenantCapped && ReadyCount == 0 && !AnyLoading
            ? new StokeException(StokeErrorKind.Overloaded, Text($"Function {_spec.Name} has no instance and its {_lastStartError}: retry when one of the tenant's instances has gone."), TenantCapRetry)
            : null;
}
