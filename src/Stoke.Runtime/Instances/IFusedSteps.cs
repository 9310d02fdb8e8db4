using Stoke.Abstractions.Tensors;

namespace Stoke.Runtime.Instances;

/// <summary>
/// Runs a pipeline step fused into a function call (<see cref="InferenceRequest.Then"/>) on that call's outputs, on the
/// node of the instance that served it. A port: the pipelines project implements it, the runtime only calls it.
/// </summary>
public interface IFusedSteps
{
    Task<Tensor[]> RunAsync(FusedStepRef step, Tensor[] outputs, CancellationToken cancellationToken);
}
