using Stoke.Abstractions.Functions;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Routing;

namespace Stoke.Pipelines.Execution;

/// <summary>
/// Chain-aware cold start: whether a step's function has a ready instance as this node's routing table knows it, and
/// asking a function's controller to start one before its request comes.
/// </summary>
public interface IChainPrewarm
{
    bool IsCold(FunctionSpec function);

    /// <summary>Fire-and-forget: the controller starts an instance unless one is ready or loading.</summary>
    void Prewarm(FunctionSpec function, string reason);
}

/// <summary>The node's <see cref="IChainPrewarm"/>: its <see cref="NodeRouter"/>'s tables and the functions' controllers.</summary>
public sealed class NodeChainPrewarm(NodeRouter router, IGrainFactory grains) : IChainPrewarm
{
    public bool IsCold(FunctionSpec function) => router.TableOf(function.Key, function.Version) is not { Instances.Length: > 0 };

    public void Prewarm(FunctionSpec function, string reason) =>
        _ = grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(function)).Prewarm(reason).ContinueWith(
            static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
