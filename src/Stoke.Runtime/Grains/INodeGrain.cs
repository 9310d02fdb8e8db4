using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Instances;

namespace Stoke.Runtime.Grains;

/// <summary>A node's control surface for the rest of the cluster; keyed by the node's silo address.</summary>
public interface INodeGrain : IGrainWithStringKey
{
    Task<ColdStartReport> StartInstance(FunctionSpec spec, string instanceId);

    Task<InstanceInvocation> Invoke(string instanceId, InferenceRequest request, DateTimeOffset deadline);

    Task StopInstance(string instanceId, string reason);

    Task<NodeSnapshot> Snapshot();

    Task<InstanceSnapshot[]> InstancesOf(string functionKey, int version);
}
