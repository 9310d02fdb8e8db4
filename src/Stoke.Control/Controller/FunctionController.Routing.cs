using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Control.Routing;

namespace Stoke.Control.Controller;

// Routing: the route table nodes are sent (the direct warm path) and the controller's own pick among ready instances.
public sealed partial class FunctionController<THeld>
{
    /// <summary>The routing table with the controller's current view of each ready instance's load.</summary>
    public RouteTable Routes => new()
    {
        FunctionKey = _key,
        Version = _spec.Version,
        Revision = _revision,
        Epoch = _options.Epoch,
        Instances = ReadyEntries(),
        Capacity = _spec.Scaling.InstanceConcurrency,
        Holding = _held.Count > 0,
        Routing = _routing.Name,
    };

    private RouteEntry[] ReadyEntries()
    {
        var count = ReadyCount;
        if (count == 0)
        {
            return [];
        }

        var entries = new RouteEntry[count];
        var n = 0;
        foreach (var i in _instances)
        {
            if (i.Phase == InstancePhase.Ready)
            {
                entries[n++] = new RouteEntry(i.Id, i.NodeId, i.InFlight);
            }
        }

        return entries;
    }

    // The shared routing rule over the controller's own view of the ready instances.
    private ControlledInstance? PickFree(in RoutingContext routing)
    {
        var count = 0;
        foreach (var i in _instances)
        {
            if (i.Phase == InstancePhase.Ready && _port.IsReachable(i.NodeId))
            {
                if (count == _candidates.Length)
                {
                    Array.Resize(ref _candidates, count * 2);
                }

                _candidates[count++] = new RouteCandidate(i.Id, i.NodeId, i.InFlight);
            }
        }

        var pick = Router.Pick(_routing, _candidates.AsSpan(0, count), _spec.Scaling.InstanceConcurrency, routing);
        return pick < 0 ? null : Find(_candidates[pick].InstanceId);
    }

    // Nodes tell the controller about freed slots only while it holds requests: say when that changes.
    private void UpdateHolding()
    {
        if (_held.Count > 0 != _publishedHolding)
        {
            _publishedHolding = _held.Count > 0;
            Publish();
        }
    }

    private void Publish()
    {
        _revision++;
        if (_inProcessRoutes is { } local)
        {
            local.RoutesChanged(_held.Count > 0);
        }
        else
        {
            _port.PublishRoutes(Routes);
        }
    }
}
