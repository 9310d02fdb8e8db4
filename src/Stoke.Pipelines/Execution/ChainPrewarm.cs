using Microsoft.Extensions.Logging;
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

    /// <summary>
    /// Asks the controller to start an instance unless one is ready or loading, and returns once it has decided, so
    /// the step's own request, sent after, cannot overtake it (Orleans does not keep the order of two calls to an
    /// activation that is still activating). A pre-warm that fails does not fail the request: its step starts the
    /// instance itself.
    /// </summary>
    Task PrewarmAsync(FunctionSpec function, string reason, CancellationToken cancellationToken);
}

/// <summary>The node's <see cref="IChainPrewarm"/>: its <see cref="NodeRouter"/>'s tables and the functions' controllers.</summary>
public sealed partial class NodeChainPrewarm(NodeRouter router, IGrainFactory grains, ILogger<NodeChainPrewarm> logger) : IChainPrewarm
{
    public bool IsCold(FunctionSpec function) => router.TableOf(function.Key, function.Version) is not { Instances.Length: > 0 };

    public async Task PrewarmAsync(FunctionSpec function, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(function)).Prewarm(reason).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.PrewarmFailed(logger, function.Key, function.Version, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3400, Level = LogLevel.Warning, Message = "Pipeline pre-warm of {Function} v{Version} failed; its step will start it")]
        public static partial void PrewarmFailed(ILogger logger, string function, int version, Exception exception);
    }
}
