using Stoke.Abstractions.Functions;

namespace Stoke.Abstractions.Policies;

/// <summary>
/// Creates policy objects by the names in a function spec. The live server and the simulator both create
/// their policies here, so there is one implementation of each.
/// </summary>
public interface IPolicyCatalog
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when a spec names an unknown policy or a bad value.</summary>
    void Validate(FunctionSpec spec);

    IAutoscaler CreateAutoscaler(FunctionSpec spec);

    IKeepAlivePolicy CreateKeepAlive(FunctionSpec spec);

    IBatchingPolicy CreateBatching(FunctionSpec spec);

    IPlacementPolicy CreatePlacement(string name);

    /// <summary>The routing policy of that name (stateless, shared); throws <see cref="ArgumentException"/> when unknown.</summary>
    IRoutingPolicy GetRouting(string name);

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when a node's placement or eviction policy is unknown.</summary>
    void ValidateNode(string placement, string eviction);

    IEvictionPolicy CreateEviction(string name);
}
